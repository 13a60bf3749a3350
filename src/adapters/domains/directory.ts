import type { Logger } from 'pino';
import type { DomainDirectory, DomainStore, KnownDomain } from '../../ports.js';
import { DEFAULT_DOMAIN_ID } from '../../domain/link-key.js';
import { normalizeHost } from '../../domain/hosts.js';

/** Where a missed notice of another instance's domain write (or one by `kurz domain` without Redis) is caught up with at the latest. */
export const BACKSTOP_RELOAD_MS = 30_000;

const LOOPBACK = ['localhost', '127.0.0.1', '::1'];

export interface DirectoryOptions {
  /** BASE_URL: its host is the default domain. */
  baseUrl: string;
  log: Logger;
}

/**
 * Every domain in two maps, rebuilt whole from the store on each reload (a few rows): the redirect
 * resolves its Host with one Map.get. A loopback BASE_URL is also reached as localhost, 127.0.0.1 and ::1.
 */
export class MemoryDomainDirectory implements DomainDirectory {
  #byHost = new Map<string, KnownDomain>();
  #byId = new Map<string, KnownDomain>();
  #hostnames: readonly string[] = [];
  readonly #default: KnownDomain;
  readonly #defaultHosts: string[];
  readonly #timer: NodeJS.Timeout;

  constructor(private readonly store: Pick<DomainStore, 'allDomains'>, private readonly options: DirectoryOptions) {
    const hostname = normalizeHost(new URL(options.baseUrl).host);
    this.#default = { id: DEFAULT_DOMAIN_ID, hostname, rootRedirect: null, notFoundRedirect: null, ownerId: null };
    this.#defaultHosts = LOOPBACK.includes(hostname) ? LOOPBACK : [hostname];
    this.#index([]);
    this.#timer = setInterval(() => void this.reload().catch(() => {}), BACKSTOP_RELOAD_MS).unref();
  }

  byHost(host: string): KnownDomain | undefined {
    return this.#byHost.get(host);
  }

  byId(id: string): KnownDomain | undefined {
    return this.#byId.get(id);
  }

  hostnames(): readonly string[] {
    return this.#hostnames;
  }

  async reload(): Promise<void> {
    try {
      this.#index(await this.store.allDomains());
    } catch (err) {
      // The domains known so far keep answering; the next write or the backstop tries again.
      this.options.log.warn({ err }, 'the domains could not be reloaded');
      throw err;
    }
  }

  close(): void {
    clearInterval(this.#timer);
  }

  #index(domains: readonly KnownDomain[]): void {
    const byHost = new Map<string, KnownDomain>();
    const byId = new Map<string, KnownDomain>([[DEFAULT_DOMAIN_ID, this.#default]]);
    for (const host of this.#defaultHosts) byHost.set(host, this.#default);
    for (const { id, hostname, rootRedirect, notFoundRedirect, ownerId } of domains) {
      const domain = { id, hostname, rootRedirect, notFoundRedirect, ownerId };
      byHost.set(hostname, domain);
      byId.set(id, domain);
    }
    this.#byHost = byHost;
    this.#byId = byId;
    this.#hostnames = [this.#default.hostname, ...domains.map((d) => d.hostname)];
  }
}
