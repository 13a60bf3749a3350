import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachDialect, problem, signUpAndIn, type Caller } from '../support/app.js';

describeEachDialect('redirects', ({ app, t }) => {
  let dan: Caller;
  const create = async (payload: Record<string, unknown>) => {
    const res = await app().inject({ method: 'POST', url: '/api/v1/links', headers: dan.auth, payload });
    assert.equal(res.statusCode, 201, res.body);
    return res.json() as { id: string; code: string };
  };
  const clicksOf = async (id: string) => {
    await t().ctx.clicks.flush(); // clicks of unlimited links are buffered in memory, then written in batches
    return (await app().inject({ url: `/api/v1/links/${id}`, headers: dan.auth })).json().clicks;
  };

  before(async () => {
    dan = await signUpAndIn(app());
  });

  test('a code redirects with 302 by default, with Location, and counts the click', async () => {
    const link = await create({ url: 'https://example.com/landing?x=1' });
    const res = await app().inject({ url: `/${link.code}` });
    assert.equal(res.statusCode, 302);
    assert.equal(res.headers.location, 'https://example.com/landing?x=1');
    assert.equal(res.headers['cache-control'], 'private, no-store');
    assert.equal(await clicksOf(link.id), 1);
  });

  test('redirect_type 301, 307 and 308 are honoured; a permanent link without limits may be cached', async () => {
    for (const type of [301, 307, 308]) {
      const link = await create({ url: `https://example.com/${type}`, redirect_type: type });
      const res = await app().inject({ url: `/${link.code}` });
      assert.equal(res.statusCode, type);
      assert.equal(res.headers.location, `https://example.com/${type}`);
      assert.equal(res.headers['cache-control'], type === 307 ? 'private, no-store' : 'public, max-age=3600');
    }
  });

  test('a target with non-ASCII characters is sent percent-encoded', async () => {
    const link = await create({ url: 'https://example.com/straße?q=ü' });
    const res = await app().inject({ url: `/${link.code}` });
    assert.equal(res.headers.location, 'https://example.com/stra%C3%9Fe?q=%C3%BC');
  });

  test('an unknown code, or a path that cannot be a code, answers 404 problem+json', async () => {
    for (const path of ['/zzzzzzz', '/no.such', '/ab']) {
      const res = await app().inject({ url: path });
      assert.equal(res.statusCode, 404, path);
      assert.equal(problem(res).status, 404);
    }
  });

  test('after expires_at the link answers 410 and counts nothing', async () => {
    const link = await create({ url: 'https://example.com/soon', expires_at: new Date(t().clock.now + 60_000).toISOString() });
    assert.equal((await app().inject({ url: `/${link.code}` })).statusCode, 302);
    t().clock.now += 60_000;
    try {
      const res = await app().inject({ url: `/${link.code}` });
      assert.equal(res.statusCode, 410);
      assert.match(problem(res).detail, /expired/);
      assert.equal(await clicksOf(link.id), 1);
    } finally {
      t().clock.now -= 60_000;
    }
  });

  test('max_clicks: exactly that many redirects, then 410', async () => {
    const link = await create({ url: 'https://example.com/twice', max_clicks: 2 });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await app().inject({ url: `/${link.code}` })).statusCode);
    assert.deepEqual(statuses, [302, 302, 410, 410]);
    assert.equal(await clicksOf(link.id), 2);
  });

  test('max_clicks stays exact under 60 concurrent requests', async () => {
    const link = await create({ url: 'https://example.com/limited', max_clicks: 15 });
    const results = await Promise.all(Array.from({ length: 60 }, () => app().inject({ url: `/${link.code}` })));
    const redirected = results.filter((r) => r.statusCode === 302).length;
    assert.equal(redirected, 15);
    assert.equal(results.filter((r) => r.statusCode === 410).length, 45);
    assert.equal(await clicksOf(link.id), 15);
  });

  test('HEAD answers like GET but counts no click (link previews must not use up a limited link)', async () => {
    const link = await create({ url: 'https://example.com/once', max_clicks: 1 });
    const head = await app().inject({ method: 'HEAD', url: `/${link.code}` });
    assert.equal(head.statusCode, 302);
    assert.equal(head.headers.location, 'https://example.com/once');
    assert.equal(await clicksOf(link.id), 0);
    assert.equal((await app().inject({ url: `/${link.code}` })).statusCode, 302);
    assert.equal((await app().inject({ method: 'HEAD', url: `/${link.code}` })).statusCode, 410);
  });

  test('an edited link redirects to its new target at once', async () => {
    const link = await create({ url: 'https://example.com/before' });
    assert.equal((await app().inject({ url: `/${link.code}` })).headers.location, 'https://example.com/before');
    await app().inject({ method: 'PATCH', url: `/api/v1/links/${link.id}`, headers: dan.auth, payload: { url: 'https://example.com/after' } });
    assert.equal((await app().inject({ url: `/${link.code}` })).headers.location, 'https://example.com/after');
  });

  test('raising max_clicks of a used-up link makes it redirect again', async () => {
    const link = await create({ url: 'https://example.com/more', max_clicks: 1 });
    await app().inject({ url: `/${link.code}` });
    assert.equal((await app().inject({ url: `/${link.code}` })).statusCode, 410);
    await app().inject({ method: 'PATCH', url: `/api/v1/links/${link.id}`, headers: dan.auth, payload: { max_clicks: 2 } });
    assert.equal((await app().inject({ url: `/${link.code}` })).statusCode, 302);
  });
});

describeEachDialect('random code collisions', ({ app, t }) => {
  test('when a random code is taken, another is drawn and the link is created', async () => {
    const caller = await signUpAndIn(app());
    const post = (url: string) => app().inject({ method: 'POST', url: '/api/v1/links', headers: caller.auth, payload: { url } });
    const queue = ['Taken01', 'Taken01', 'Taken01', 'Fresh02'];
    t().ctx.randomCode = () => queue.shift() ?? 'Unused9';
    assert.equal((await post('https://example.com/first')).json().code, 'Taken01');
    const second = await post('https://example.com/second');
    assert.equal(second.statusCode, 201);
    assert.equal(second.json().code, 'Fresh02');
    assert.equal(queue.length, 0, 'two collisions, then a fresh code');
    assert.equal((await app().inject({ url: '/Taken01' })).headers.location, 'https://example.com/first');
  });

  test('when every draw collides, the request fails with 500 and nothing is created', async () => {
    const caller = await signUpAndIn(app());
    t().ctx.randomCode = () => 'Taken01';
    const res = await app().inject({ method: 'POST', url: '/api/v1/links', headers: caller.auth, payload: { url: 'https://example.com/x' } });
    assert.equal(res.statusCode, 500);
    assert.equal(problem(res).detail, 'Internal server error');
    const mine = await app().inject({ url: '/api/v1/links', headers: caller.auth });
    assert.equal(mine.json().data.length, 0);
  });
});
