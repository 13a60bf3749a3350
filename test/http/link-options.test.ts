import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachDialect, problem, signUpAndIn, type Caller } from '../support/app.js';

const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

describeEachDialect('link options: expired_url, the 410 page, archived, utm', ({ app, t }) => {
  let eve: Caller;
  type LinkJson = { id: string; code: string; url: string; title: string | null; expired_url: string | null; archived: boolean; utm: Record<string, string> | null; clicks: number };
  const create = async (payload: Record<string, unknown>): Promise<LinkJson> => {
    const res = await app().inject({ method: 'POST', url: '/api/v1/links', headers: eve.auth, payload });
    assert.equal(res.statusCode, 201, res.body);
    return res.json();
  };
  const write = (method: 'PATCH' | 'PUT', id: string, payload: Record<string, unknown>) =>
    app().inject({ method, url: `/api/v1/links/${id}`, headers: eve.auth, payload });
  const read = async (id: string): Promise<LinkJson> => {
    await t().ctx.clicks.flush();
    return (await app().inject({ url: `/api/v1/links/${id}`, headers: eve.auth })).json();
  };
  const inFuture = (ms: number) => new Date(t().clock.now + ms).toISOString();

  before(async () => {
    eve = await signUpAndIn(app());
  });

  test('when a link has no options, then expired_url is null, archived false and utm null', async () => {
    const link = await create({ url: 'https://example.com/plain' });
    assert.equal(link.expired_url, null);
    assert.equal(link.archived, false);
    assert.equal(link.utm, null);
  });

  test('when a link with an expired_url expires, then GET and HEAD answer 302 to it, not kept, and no click is counted', async () => {
    const link = await create({ url: 'https://example.com/sale', expires_at: inFuture(60_000), expired_url: 'https://example.com/sale-over' });
    assert.equal(link.expired_url, 'https://example.com/sale-over');
    assert.equal((await app().inject({ url: `/${link.code}` })).headers.location, 'https://example.com/sale');
    t().clock.now += 60_000;
    try {
      for (const method of ['GET', 'HEAD'] as const) {
        const res = await app().inject({ method, url: `/${link.code}` });
        assert.equal(res.statusCode, 302, method);
        assert.equal(res.headers.location, 'https://example.com/sale-over');
        assert.equal(res.headers['cache-control'], 'private, no-store');
      }
      assert.equal((await read(link.id)).clicks, 1, 'only the visit before expiry');
    } finally {
      t().clock.now -= 60_000;
    }
  });

  test('when a limited link with an expired_url is used up, then the next visits go to the fallback, uncounted', async () => {
    const link = await create({ url: 'https://example.com/once', max_clicks: 1, expired_url: 'https://example.com/gone' });
    const first = await app().inject({ url: `/${link.code}` });
    assert.equal(first.headers.location, 'https://example.com/once');
    for (const method of ['GET', 'GET', 'HEAD'] as const) {
      const res = await app().inject({ method, url: `/${link.code}` });
      assert.equal(res.statusCode, 302);
      assert.equal(res.headers.location, 'https://example.com/gone');
      assert.equal(res.headers['cache-control'], 'private, no-store');
    }
    assert.equal((await read(link.id)).clicks, 1);
  });

  test('when the fallback is cleared with null, then the used-up link answers 410 again', async () => {
    const link = await create({ url: 'https://example.com/x', max_clicks: 1, expired_url: 'https://example.com/y' });
    await app().inject({ url: `/${link.code}` });
    const patched = await write('PATCH', link.id, { expired_url: null });
    assert.equal(patched.json().expired_url, null);
    assert.equal((await app().inject({ url: `/${link.code}` })).statusCode, 410);
  });

  test('when a browser asks for a link that is over without a fallback, then it gets the 410 page; a program gets the problem', async () => {
    const limited = await create({ url: 'https://example.com/one', max_clicks: 1 });
    await app().inject({ url: `/${limited.code}` });
    const page = await app().inject({ url: `/${limited.code}`, headers: { accept: BROWSER_ACCEPT } });
    assert.equal(page.statusCode, 410);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.match(page.body, /This link has reached its click limit/);
    assert.doesNotMatch(page.body, /<script/i);
    const csp = String(page.headers['content-security-policy']);
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /style-src 'sha256-[A-Za-z0-9+/=]+'/);
    for (const accept of [undefined, '*/*', 'application/json', 'application/problem+json, text/html;q=0.5']) {
      const res = await app().inject({ url: `/${limited.code}`, headers: accept ? { accept } : {} });
      assert.equal(res.statusCode, 410, String(accept));
      assert.match(problem(res).detail, /click limit/);
    }

    const expiring = await create({ url: 'https://example.com/two', expires_at: inFuture(1_000) });
    t().clock.now += 1_000;
    try {
      const res = await app().inject({ url: `/${expiring.code}`, headers: { accept: 'text/html' } });
      assert.equal(res.statusCode, 410);
      assert.match(res.body, /This link has expired/);
      const head = await app().inject({ method: 'HEAD', url: `/${expiring.code}`, headers: { accept: 'text/html' } });
      assert.equal(head.statusCode, 410);
      assert.match(String(head.headers['content-type']), /^text\/html/);
    } finally {
      t().clock.now -= 1_000;
    }
  });

  test('when expired_url is not an acceptable target, then a 400 names expired_url and nothing changes', async () => {
    const link = await create({ url: 'https://example.com/keep' });
    for (const bad of ['ftp://example.com/', 'http://kurz.test/loop', 'http://127.0.0.1/', 'not a url', `https://example.com/${'a'.repeat(2048)}`]) {
      const created = await app().inject({ method: 'POST', url: '/api/v1/links', headers: eve.auth, payload: { url: 'https://example.com/', expired_url: bad } });
      assert.equal(created.statusCode, 400, bad);
      assert.ok(problem(created).errors?.some((e) => e.field === 'expired_url'), created.body);
      const patched = await write('PATCH', link.id, { expired_url: bad, title: 'changed' });
      assert.equal(patched.statusCode, 400, bad);
      assert.ok(problem(patched).errors?.some((e) => e.field === 'expired_url'), patched.body);
    }
    const after = await read(link.id);
    assert.equal(after.expired_url, null);
    assert.equal(after.title, null);
  });

  test('when PUT leaves out expired_url and archived, then they return to null and false', async () => {
    const link = await create({ url: 'https://example.com/p', expired_url: 'https://example.com/q', archived: true });
    assert.equal(link.archived, true);
    const put = await write('PUT', link.id, { url: 'https://example.com/p' });
    assert.equal(put.statusCode, 200, put.body);
    assert.equal(put.json().expired_url, null);
    assert.equal(put.json().archived, false);
  });

  test('when a link is archived, then it still redirects, leaves the default listing and is listed by ?archived=true alone', async () => {
    const owner = await signUpAndIn(app());
    const make = async (n: number) => (await app().inject({ method: 'POST', url: '/api/v1/links', headers: owner.auth, payload: { url: `https://example.com/${n}` } })).json() as LinkJson;
    const links: LinkJson[] = [];
    for (let n = 0; n < 7; n++) links.push(await make(n));
    const archivedIds = [links[1]!, links[3]!, links[4]!, links[6]!].map((l) => l.id);
    for (const id of archivedIds) {
      const res = await app().inject({ method: 'PATCH', url: `/api/v1/links/${id}`, headers: owner.auth, payload: { archived: true } });
      assert.equal(res.json().archived, true);
    }
    const redirect = await app().inject({ url: `/${links[1]!.code}` });
    assert.equal(redirect.statusCode, 302);

    const pages = async (query: string) => {
      const ids: string[] = [];
      let cursor: string | null = null;
      do {
        const res: { statusCode: number; body: string; json(): unknown } = await app().inject({ url: `${query}&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, headers: owner.auth });
        assert.equal(res.statusCode, 200, res.body);
        const page = res.json() as { data: LinkJson[]; next_cursor: string | null };
        ids.push(...page.data.map((l) => l.id));
        cursor = page.next_cursor;
      } while (cursor);
      return ids;
    };
    const newestFirst = (ids: string[]) => links.map((l) => l.id).filter((id) => ids.includes(id)).reverse();
    const live = links.map((l) => l.id).filter((id) => !archivedIds.includes(id));
    assert.deepEqual(await pages('/api/v1/links?archived=false'), newestFirst(live));
    assert.deepEqual(await pages('/api/v1/links?q=example'), newestFirst(live), 'the default hides archived links');
    assert.deepEqual(await pages('/api/v1/links?archived=true'), newestFirst(archivedIds));
    assert.deepEqual(await pages(`/api/v1/users/${owner.id}/links?archived=true`), newestFirst(archivedIds));
    assert.deepEqual(await pages(`/api/v1/users/${owner.id}/links?archived=false`), newestFirst(live));
    const unarchived = await app().inject({ method: 'PATCH', url: `/api/v1/links/${links[6]!.id}`, headers: owner.auth, payload: { archived: false } });
    assert.equal(unarchived.json().archived, false);
    assert.equal((await app().inject({ url: '/api/v1/links', headers: owner.auth })).json().data[0].id, links[6]!.id);
  });

  test('when utm is given on create, then it is merged into the url, other parameters and the fragment kept, and read back', async () => {
    const link = await create({
      url: 'https://example.com/p?b=2&utm_source=old&a=1#top',
      utm: { source: 'news letter', medium: 'email', campaign: 'spring&sale' },
    });
    assert.equal(link.url, 'https://example.com/p?b=2&a=1&utm_source=news%20letter&utm_medium=email&utm_campaign=spring%26sale#top');
    assert.deepEqual(link.utm, { source: 'news letter', medium: 'email', campaign: 'spring&sale' });
    const res = await app().inject({ url: `/${link.code}` });
    assert.equal(res.headers.location, link.url);
  });

  test('when PATCH gives utm without url, then it replaces all five in the stored url; null removes them', async () => {
    const link = await create({ url: 'https://example.com/q?x=1', utm: { source: 'a', term: 't' } });
    const patched = await write('PATCH', link.id, { utm: { medium: 'social' } });
    assert.equal(patched.statusCode, 200, patched.body);
    assert.equal(patched.json().url, 'https://example.com/q?x=1&utm_medium=social');
    assert.deepEqual(patched.json().utm, { medium: 'social' });
    const cleared = await write('PATCH', link.id, { utm: null });
    assert.equal(cleared.json().url, 'https://example.com/q?x=1');
    assert.equal(cleared.json().utm, null);
  });

  test('when PATCH or PUT gives url and utm, then utm is merged into the new url', async () => {
    const link = await create({ url: 'https://example.com/r' });
    const patched = await write('PATCH', link.id, { url: 'https://example.com/s?k=v', utm: { campaign: 'c1' } });
    assert.equal(patched.json().url, 'https://example.com/s?k=v&utm_campaign=c1');
    const put = await write('PUT', link.id, { url: 'https://example.com/t#frag', utm: { source: 's', content: 'z' } });
    assert.equal(put.json().url, 'https://example.com/t?utm_source=s&utm_content=z#frag');
    assert.deepEqual(put.json().utm, { source: 's', content: 'z' });
  });

  test('when utm values are bad or the merged url too long, then a 400 names the field and nothing changes', async () => {
    const link = await create({ url: 'https://example.com/u', utm: { source: 'keep' } });
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ utm: { source: '' } }, /^utm/],
      [{ utm: { source: 'x'.repeat(201) } }, /^utm/],
      [{ utm: { nope: 'x' } }, /^utm/],
      [{ utm: 'source=x' }, /^utm/],
      [{ url: `https://example.com/${'a'.repeat(2000)}`, utm: { campaign: 'c'.repeat(100) } }, /^utm$/],
    ];
    for (const [payload, field] of cases) {
      const res = await write('PATCH', link.id, payload);
      assert.equal(res.statusCode, 400, JSON.stringify(payload));
      assert.ok(problem(res).errors?.some((e) => field.test(e.field)), res.body);
    }
    const created = await app().inject({ method: 'POST', url: '/api/v1/links', headers: eve.auth, payload: { url: 'https://example.com/', utm: { medium: '' } } });
    assert.equal(created.statusCode, 400);
    assert.deepEqual(problem(created).errors?.map((e) => e.field), ['utm.medium'], 'the member that failed, not the null branch of utm');
    assert.deepEqual((await read(link.id)).url, 'https://example.com/u?utm_source=keep');
  });
});
