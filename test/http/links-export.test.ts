import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'csv-parse/sync';
import { describeEachDialect, problem, signUpAndIn, type Caller } from '../support/app.js';
import { newId } from '../../src/domain/ids.js';
import { StoreUnavailable, type LinkRecord, type NewLink, type Store } from '../../src/ports.js';

const HEADER = 'url,code,domain,title,tags,created_at,expires_at,clicks,redirect_type,max_clicks,expired_url,archived,password_protected,rules,destinations,og';
const DAY0 = Date.parse('2026-01-01T00:00:00Z');
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';

/** Counts the store's listLinks calls (an export reads page by page), and fails the one numbered `failAt`, as a store that goes away. */
const listings: { count: number; failAt?: number } = { count: 0 };
const countListings = (store: Store): Store =>
  new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (prop === 'listLinks' && ++listings.count === listings.failAt) {
        return () => Promise.reject(new StoreUnavailable('unreachable', 'the store went away'));
      }
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });

type Row = Record<string, string>;
const rowsOf = (csv: string): Row[] => parse(csv, { columns: true });

describeEachDialect('links export', ({ app, t, admin }) => {
  let ann: Caller;
  let bob: Caller;
  let n = 0;
  const exported = (query: string, caller: Caller | { auth: Record<string, string> } = ann) =>
    app().inject({ url: `/api/v1/links/export${query}`, headers: caller.auth });
  /** A link put straight into the store, as an import would: with imported clicks, a password hash, a creation time. */
  const insert = (owner: Caller, fields: Partial<NewLink> = {}): Promise<LinkRecord> => {
    const createdAt = fields.createdAt ?? DAY0 + ++n * 1000;
    return t().ctx.store.insertLink({
      id: newId(createdAt), code: `exp${n}x${Math.random().toString(36).slice(2, 8)}`, url: `https://example.com/${n}`, title: null, tags: [],
      redirectType: 302, expiresAt: null, maxClicks: null, ownerId: owner.id, createdAt, ...fields,
    });
  };

  let full: LinkRecord;
  let plain: LinkRecord;
  let archived: LinkRecord;
  let bobs: LinkRecord;

  before(async () => {
    ann = await signUpAndIn(app());
    bob = await signUpAndIn(app());
    full = await insert(ann, {
      code: 'Full_1', url: 'https://example.com/full?a=1,b=2', title: 'Hello, "world"\nline two', tags: ['alpha', 'beta'],
      expiresAt: Date.parse('2030-05-06T07:08:09.000Z'), maxClicks: 500, expiredUrl: 'https://example.com/over', redirectType: 301,
      importedClicks: 40, passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA',
      rules: [{ url: 'https://example.com/ios', conditions: [{ type: 'device', value: 'ios' }, { type: 'time', after: DAY0, before: DAY0 + 86_400_000 }] }],
      destinations: [{ url: 'https://a.example/', weight: 1 }, { url: 'https://b.example/', weight: 3 }],
      og: { title: 'Card', description: 'a card' },
    });
    plain = await insert(ann, { title: '=HYPERLINK("https://evil.example")', tags: ['beta'] });
    archived = await insert(ann, { archived: true, title: 'old news' });
    bobs = await insert(bob, { title: 'bob only', tags: ['alpha'] });
    // Two visits Kurz counts itself, beside the 40 the other shortener had counted (a password-protected
    // link's visits pass its form first: they are enqueued as the redirect would, once unlocked).
    for (let i = 0; i < 2; i++) {
      t().ctx.clicks.enqueue({ linkId: full.id, at: t().clock.now, referrer: null, ua: CHROME, country: null, counted: false, destination: null, rule: null });
    }
    await t().ctx.clicks.flush();
  });

  test('when links are exported as CSV, then a header row and one CRLF-ended row per link, newest first, as an attachment', async () => {
    const res = await exported('?format=csv');
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/csv; charset=utf-8/);
    assert.match(String(res.headers['content-disposition']), /^attachment; filename="kurz-links-\d{4}-\d{2}-\d{2}\.csv"$/);
    assert.ok(res.body.startsWith(`${HEADER}\r\n`));
    assert.ok(res.body.endsWith('\r\n'));
    assert.deepEqual(rowsOf(res.body).map((r) => r.code), [archived.code, plain.code, full.code]);
  });

  test('when no format is given, then the export is CSV', async () => {
    const res = await exported('');
    assert.equal(res.statusCode, 200);
    assert.ok(res.body.startsWith(`${HEADER}\r\n`));
  });

  test('when a link has every field set, then its row carries each of them, the click total and no password', async () => {
    const res = await exported('?format=csv');
    const row = rowsOf(res.body).find((r) => r.code === 'Full_1');
    assert.deepEqual(row, {
      url: 'https://example.com/full?a=1,b=2',
      code: 'Full_1',
      domain: 'kurz.test',
      title: 'Hello, "world"\nline two',
      tags: 'alpha|beta',
      created_at: new Date(full.createdAt).toISOString(),
      expires_at: '2030-05-06T07:08:09.000Z',
      clicks: '42',
      redirect_type: '301',
      max_clicks: '500',
      expired_url: 'https://example.com/over',
      archived: 'false',
      password_protected: 'true',
      rules: JSON.stringify(full.rules),
      destinations: '[{"url":"https://a.example/","weight":1},{"url":"https://b.example/","weight":3}]',
      og: '{"title":"Card","description":"a card"}',
    });
    assert.ok(!res.body.includes('argon2'), 'the hash never leaves');
    assert.deepEqual(JSON.parse(row.rules!)[0].conditions[1], { type: 'time', after: DAY0, before: DAY0 + 86_400_000 }, 'rules as stored: epoch ms');
  });

  test('when a title holds a comma, quotes and a line break, then its cell is quoted and its quotes doubled (RFC 4180)', async () => {
    const res = await exported('?format=csv');
    assert.ok(res.body.includes(',"Hello, ""world""\nline two",'));
    assert.ok(res.body.includes('"https://example.com/full?a=1,b=2",Full_1,'));
  });

  test('when a cell starts like a spreadsheet formula, then it is written as it is, so the round trip stays exact', async () => {
    const row = rowsOf((await exported('?format=csv')).body).find((r) => r.code === plain.code);
    assert.equal(row?.title, '=HYPERLINK("https://evil.example")');
    assert.deepEqual([row?.expires_at, row?.max_clicks, row?.expired_url, row?.rules, row?.destinations, row?.og, row?.password_protected], ['', '', '', '', '', '', 'false']);
  });

  test('when filters are given, then only the links a listing with them shows are exported; archived links come unless archived=false', async () => {
    const codes = async (query: string) => rowsOf((await exported(`?format=csv&${query}`)).body).map((r) => r.code).sort();
    assert.deepEqual(await codes('tag=BETA'), [full.code, plain.code].sort());
    assert.deepEqual(await codes('q=hyperlink'), [plain.code]);
    assert.deepEqual(await codes('archived=true'), [archived.code]);
    assert.deepEqual(await codes('archived=false'), [full.code, plain.code].sort());
    assert.deepEqual(await codes('domain=kurz.test&tag=alpha'), [full.code]);
  });

  test('when a filter is bad, then 400 names it and nothing is streamed', async () => {
    for (const [query, field] of [['domain=nowhere.example', 'domain'], ['format=xml', 'format'], ['tag=', 'tag'], ['limit=5', 'limit']] as const) {
      const res = await exported(`?${query}`);
      assert.equal(res.statusCode, 400, query);
      assert.ok(problem(res).errors?.some((e) => e.field === field) || problem(res).detail.includes(field), `${query}: ${res.body}`);
    }
  });

  test('when a user exports, then another user\'s links are never in it; owner=all is for admins only', async () => {
    assert.ok(!(await exported('?format=csv')).body.includes(bobs.code));
    assert.ok(!(await exported('?format=json')).body.includes(bobs.code));
    const refused = await exported('?owner=all', ann);
    assert.equal(refused.statusCode, 403);
    assert.equal(problem(refused).status, 403);
    const everyone = rowsOf((await exported('?owner=all&format=csv', admin())).body).map((r) => r.code);
    for (const code of [full.code, plain.code, archived.code, bobs.code]) assert.ok(everyone.includes(code), code);
    const own = rowsOf((await exported('?format=csv', admin())).body);
    assert.ok(!own.some((r) => r.code === bobs.code), 'without owner=all an admin exports their own links');
  });

  test('when links are exported as JSON, then it is one array of the objects GET /links/{id} answers', async () => {
    const res = await exported('?format=json');
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    assert.match(String(res.headers['content-disposition']), /^attachment; filename="kurz-links-\d{4}-\d{2}-\d{2}\.json"$/);
    const items: { id: string }[] = res.json();
    assert.deepEqual(items.map((l) => l.id), [archived.id, plain.id, full.id]);
    for (const item of items) {
      const one = await app().inject({ url: `/api/v1/links/${item.id}`, headers: ann.auth });
      assert.deepEqual(item, one.json());
    }
    const total = items.find((l) => l.id === full.id) as unknown as { clicks: number; imported_clicks: number };
    assert.deepEqual([total.clicks, total.imported_clicks], [2, 40]);
  });

  test('when a user has no links, then the CSV is the header alone and the JSON an empty array', async () => {
    const cy = await signUpAndIn(app());
    assert.equal((await exported('?format=csv', cy)).body, `${HEADER}\r\n`);
    assert.deepEqual((await exported('?format=json', cy)).json(), []);
  });

  /** A new user with `count` links, inserted 500 a transaction; pairs share a creation time, so the cursor must tell them apart by id. */
  const manyLinks = async (count: number, prefix: string): Promise<Caller> => {
    const owner = await signUpAndIn(app());
    const links: NewLink[] = Array.from({ length: count }, (_, i) => {
      const createdAt = DAY0 + Math.floor(i / 2) * 1000;
      return { id: newId(createdAt), code: `${prefix}${i}`, url: `https://example.com/b/${i}`, title: `row ${i}`, tags: [], redirectType: 302, expiresAt: null, maxClicks: null, ownerId: owner.id, createdAt };
    });
    for (let i = 0; i < links.length; i += 500) await t().ctx.store.insertLinks(links.slice(i, i + 500));
    return owner;
  };

  test('when 2,500 links are exported, then every one comes once, read in pages of 1,000 (three store queries)', async () => {
    const dee = await manyLinks(2500, 'bulk');
    const before = listings.count;
    const csv = await exported('?format=csv', dee);
    assert.equal(listings.count - before, 3);
    const codes = rowsOf(csv.body).map((r) => r.code);
    assert.equal(codes.length, 2500);
    assert.equal(new Set(codes).size, 2500);
    const json: { code: string }[] = (await exported('?format=json', dee)).json();
    assert.deepEqual(json.map((l) => l.code), codes);
  });

  test('when the store fails before the first page, then the export answers 503 problem+json, not a broken file', async () => {
    listings.failAt = listings.count + 1;
    try {
      const res = await exported('?format=csv');
      assert.equal(res.statusCode, 503);
      assert.equal(problem(res).status, 503);
    } finally {
      listings.failAt = undefined;
    }
  });

  test('when the store fails after the first page went out, then the transfer is cut short, never a shorter file that looks whole', async () => {
    const eve = await manyLinks(1001, 'cut');
    const base = await t().app.listen({ port: 0, host: '127.0.0.1' });
    listings.failAt = listings.count + 2;
    try {
      const res = await fetch(`${base}/api/v1/links/export?format=csv`, { headers: eve.auth });
      assert.equal(res.status, 200);
      await assert.rejects(res.text(), 'the body ends without its last chunk');
    } finally {
      listings.failAt = undefined;
    }
  });

  test('when an API key exports, then it needs the links:read scope', async () => {
    const key = async (scopes: string[]) => {
      const res = await app().inject({ method: 'POST', url: '/api/v1/api-keys', headers: ann.auth, payload: { name: `export-${scopes.join()}`, scopes } });
      return { auth: { authorization: `Bearer ${res.json().key}` } };
    };
    const refused = await exported('?format=csv', await key(['stats:read']));
    assert.equal(refused.statusCode, 403);
    const allowed = await exported('?format=csv', await key(['links:read']));
    assert.equal(allowed.statusCode, 200);
    assert.equal(rowsOf(allowed.body).length, 3);
  });

  test('when the caller is not signed in, then 401; another method on the path is a 405, not a link named export', async () => {
    assert.equal((await app().inject({ url: '/api/v1/links/export' })).statusCode, 401);
    const deleted = await app().inject({ method: 'DELETE', url: '/api/v1/links/export', headers: ann.auth });
    assert.equal(deleted.statusCode, 405);
    assert.equal(deleted.headers.allow, 'GET, HEAD');
  });

  test('when stats are asked as CSV, then one table,value,clicks table holds every entry of the JSON stats', async () => {
    const day = 86_400_000;
    const query = `?from=${new Date(t().clock.now - 30 * day).toISOString()}&to=${new Date(t().clock.now + day).toISOString()}`;
    const asJson = (await app().inject({ url: `/api/v1/links/${full.id}/stats${query}`, headers: ann.auth })).json();
    const res = await app().inject({ url: `/api/v1/links/${full.id}/stats${query}&format=csv`, headers: ann.auth });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/csv/);
    assert.match(String(res.headers['content-disposition']), new RegExp(`^attachment; filename="kurz-stats-${full.id}-\\d{4}-\\d{2}-\\d{2}\\.csv"$`));
    assert.ok(res.body.startsWith('table,value,clicks\r\ntotal,,2\r\n'));
    const rows: Row[] = parse(res.body, { columns: true });
    const of = (table: string) => rows.filter((r) => r.table === table).map((r) => ({ value: r.value, clicks: Number(r.clicks) }));
    assert.deepEqual(of('series'), asJson.series.map((p: { t: string; clicks: number }) => ({ value: p.t, clicks: p.clicks })));
    for (const table of ['referrers', 'countries', 'browsers', 'os', 'devices']) assert.deepEqual(of(table), asJson[table], table);
    assert.deepEqual(of('browsers'), [{ value: 'Chrome', clicks: 2 }]);
    assert.deepEqual([of('destinations'), of('rules')], [[], []]);
  });

  test('when stats CSV is asked by a non-owner or with a bad range, then the JSON stats\' 404 and 400', async () => {
    assert.equal((await app().inject({ url: `/api/v1/links/${full.id}/stats?format=csv`, headers: bob.auth })).statusCode, 404);
    const bad = await app().inject({ url: `/api/v1/links/${full.id}/stats?format=csv&from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z`, headers: ann.auth });
    assert.equal(bad.statusCode, 400);
    assert.equal(problem(bad).errors?.[0]?.field, 'from');
  });
}, { wrapStore: countListings });
