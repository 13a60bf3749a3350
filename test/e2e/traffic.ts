/**
 * Traffic for the outage tests: an owner with links, bursts of redirects that count what was answered,
 * and the click counter read back through the API until it settles.
 */
import assert from 'node:assert/strict';
import { call, type Server } from './process-helpers.js';

const PASSWORD = 'correct horse battery staple';
/** A browser's User-Agent (fetch's own is a bot to isbot; both are counted in links.clicks alike). */
const BROWSER_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface Owner {
  token: string;
}

export interface Link {
  id: string;
  code: string;
  url: string;
}

/** Signs up (the first user of a fresh database) and in. */
export async function signUp(server: Server, email: string): Promise<Owner> {
  const created = await call(server.url, 'POST', '/api/v1/users', { body: { email, password: PASSWORD } });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const tokens = await call(server.url, 'POST', '/api/v1/auth/token', { body: { email, password: PASSWORD } });
  assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
  return { token: tokens.body.access_token };
}

export async function createLink(server: Server, owner: Owner, body: Record<string, unknown> = {}): Promise<Link> {
  const url = `https://example.com/${Math.random().toString(36).slice(2)}`;
  const res = await call(server.url, 'POST', '/api/v1/links', { token: owner.token, body: { url, ...body } });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return { id: res.body.id, code: res.body.code, url };
}

/** One GET /:code as a browser; its status (and a redirect must go to the link's URL). */
export async function redirect(base: string, link: Link): Promise<number> {
  const res = await fetch(new URL(`/${link.code}`, base), {
    redirect: 'manual', headers: { 'user-agent': BROWSER_UA }, signal: AbortSignal.timeout(20_000),
  });
  await res.arrayBuffer();
  if (res.status === 302) assert.equal(res.headers.get('location'), link.url);
  return res.status;
}

/**
 * GETs /:code `n` times, `concurrency` at a time; returns how many were answered with the redirect
 * (302). Every other answer must be one of `allowed` (a 503 while the store is down, for instance).
 */
export async function redirects(base: string, link: Link, n: number, options: { concurrency?: number; allowed?: number[] } = {}): Promise<number> {
  const { concurrency = 10, allowed = [] } = options;
  let next = 0;
  let answered = 0;
  const others: number[] = [];
  const lane = async () => {
    while (next < n) {
      next++;
      const status = await redirect(base, link);
      if (status === 302) answered++;
      else others.push(status);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, lane));
  const unexpected = others.filter((status) => !allowed.includes(status));
  assert.deepEqual(unexpected, [], `redirects may answer 302${allowed.map((s) => ` or ${s}`).join('')}`);
  return answered;
}

/** The link's clicks counter, read through the API (undefined while the API cannot answer). */
export async function clicksOf(server: Server, owner: Owner, link: Link): Promise<number | undefined> {
  const res = await call(server.url, 'GET', `/api/v1/links/${link.id}`, { token: owner.token }).catch(() => undefined);
  return res?.status === 200 ? (res.body.clicks as number) : undefined;
}

/**
 * Polls the link's clicks until they are exactly `expected`, then checks they stay there for another
 * 1.5 s (no click applied twice); fails at once if they ever pass it, or after `timeoutMs`.
 */
export async function assertClicksSettleAt(server: Server, owner: Owner, link: Link, expected: number, timeoutMs: number, context: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: number | undefined;
  for (;;) {
    last = (await clicksOf(server, owner, link)) ?? last;
    assert.ok(last === undefined || last <= expected, `clicks went past ${expected}: ${last} (a click counted twice)${context()}`);
    if (last === expected) break;
    if (Date.now() > deadline) assert.fail(`clicks are ${last}, expected ${expected} within ${timeoutMs} ms${context()}`);
    await sleep(200);
  }
  await sleep(1_500);
  assert.equal(await clicksOf(server, owner, link), expected, `clicks must stay at ${expected}${context()}`);
}
