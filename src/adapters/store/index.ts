import type { Kysely } from 'kysely';
import type { AccountStore, ClickStore, DomainStore, IdempotencyStore, ImportStore, LinkStore, Store, StoreLifecycle } from '../../ports.js';
import type { Database } from './schema.js';
import type { StoreDialect } from './dialect.js';
import { KyselyLifecycle } from './lifecycle.js';
import { KyselyAccountStore } from './accounts.js';
import { KyselyLinkStore } from './links.js';
import { KyselyClickStore } from './clicks.js';
import { KyselyDomainStore } from './domains.js';
import { KyselyIdempotencyStore } from './idempotency.js';
import { KyselyImportStore } from './imports.js';

/** The Store over Kysely, with its connection in view (tests and tools query tables directly). */
export type KyselyStore = Store & { readonly db: Kysely<Database> };

/**
 * The Store: its three ports (accounts.ts, links.ts, clicks.ts) and the connection's lifecycle, each a
 * class of its own over the one dialect, merged into one object. Every query is written once and runs
 * unchanged on SQLite and PostgreSQL; sqlite.ts and postgres.ts only build the dialect.
 */
export function kyselyStore(dialect: StoreDialect): KyselyStore {
  return {
    db: dialect.db,
    ...methodsOf<StoreLifecycle>(new KyselyLifecycle(dialect)),
    readCounts: () => dialect.reads.counts(),
    written: (key) => dialect.reads.written(key),
    ...methodsOf<AccountStore>(new KyselyAccountStore(dialect)),
    ...methodsOf<LinkStore>(new KyselyLinkStore(dialect)),
    ...methodsOf<DomainStore>(new KyselyDomainStore(dialect)),
    ...methodsOf<ClickStore>(new KyselyClickStore(dialect)),
    ...methodsOf<IdempotencyStore>(new KyselyIdempotencyStore(dialect)),
    ...methodsOf<ImportStore>(new KyselyImportStore(dialect)),
  };
}

/**
 * The public methods of a port's class, bound to its instance: a plain object that merges with the
 * others. (A spread alone copies no methods, which live on the prototype; `#private` ones stay hidden.)
 */
function methodsOf<T extends object>(part: T): T {
  const methods: Record<string, unknown> = {};
  for (const name of Object.getOwnPropertyNames(Object.getPrototypeOf(part))) {
    const method = (part as Record<string, unknown>)[name];
    if (name !== 'constructor' && typeof method === 'function') methods[name] = method.bind(part);
  }
  return methods as T;
}
