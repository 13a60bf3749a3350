/** The domains the signed-in user may put links on, for the Domain select of the link forms. */
import { useEffect, useState } from 'preact/hooks';
import { call } from './api';
import type { Page, Domain } from './types';

// The API's largest page; more than a few domains is rare, so one or two calls load them all.
const PAGE = 100;
// A bound on the walk, so a server answering has_more forever cannot keep the form loading.
const MAX_PAGES = 20;

/** Every page of GET /domains: the newest first, BASE_URL's host (the default) last. */
export async function loadDomains(): Promise<Domain[]> {
  const all: Domain[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < MAX_PAGES; i++) {
    const page: Page<Domain> = await call<Page<Domain>>('GET', '/domains', { query: { limit: PAGE, cursor } });
    all.push(...page.data);
    if (!page.has_more || !page.next_cursor) break;
    cursor = page.next_cursor;
  }
  return all;
}

/**
 * The usable domains, or [] while they load or when they cannot be loaded: then the forms show no
 * select and the API puts the link on the default domain, as it always did.
 */
export function useDomains(): Domain[] {
  const [domains, setDomains] = useState<Domain[]>([]);
  useEffect(() => {
    let live = true;
    loadDomains().then((found) => live && setDomains(found), () => {});
    return () => void (live = false);
  }, []);
  return domains;
}

/** BASE_URL's host: the one a link gets when no domain is named. */
export const defaultHostname = (domains: Domain[]): string | undefined => domains.find((d) => d.is_default)?.hostname;
