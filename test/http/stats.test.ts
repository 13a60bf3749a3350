import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachDialect, problem, signUpAndIn, type Caller } from '../support/app.js';

const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';
const GOOGLEBOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';

describeEachDialect('link stats', ({ app, t }) => {
  let owner: Caller;
  let other: Caller;
  let link: { id: string; code: string };
  const visit = (headers: Record<string, string>) => app().inject({ url: `/${link.code}`, headers });
  const stats = (query = '', caller = owner) => app().inject({ url: `/api/v1/links/${link.id}/stats${query}`, headers: caller.auth });

  before(async () => {
    owner = await signUpAndIn(app());
    other = await signUpAndIn(app());
    link = (await app().inject({ method: 'POST', url: '/api/v1/links', headers: owner.auth, payload: { url: 'https://example.com/s' } })).json();
    for (let i = 0; i < 3; i++) await visit({ 'user-agent': CHROME, referer: 'https://news.example.com/item?id=1' });
    for (let i = 0; i < 2; i++) await visit({ 'user-agent': IPHONE });
    await visit({ 'user-agent': GOOGLEBOT });
    await app().inject({ method: 'HEAD', url: `/${link.code}`, headers: { 'user-agent': CHROME } });
    await t().ctx.clicks.flush();
  });

  test('stats total the clicks, without bots, with breakdowns by referrer, browser, OS and device', async () => {
    const res = await stats();
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.equal(body.total, 5);
    assert.deepEqual(body.referrers, [{ value: '(direct)', clicks: 2 }, { value: 'news.example.com', clicks: 3 }].sort((a, b) => b.clicks - a.clicks));
    assert.deepEqual(body.browsers, [{ value: 'Chrome', clicks: 3 }, { value: 'Mobile Safari', clicks: 2 }]);
    assert.deepEqual(body.os, [{ value: 'Windows', clicks: 3 }, { value: 'iOS', clicks: 2 }]);
    assert.deepEqual(body.devices, [{ value: 'desktop', clicks: 3 }, { value: 'mobile', clicks: 2 }]);
    assert.deepEqual(body.countries, [{ value: '(unknown)', clicks: 5 }]);
    assert.equal(body.series.reduce((sum: number, p: { clicks: number }) => sum + p.clicks, 0), 5);
    assert.equal(body.series.length, 8, 'one point per day of the default week (the first one partial), zeros included');
  });

  test('include_bots=true adds the bot, counted apart', async () => {
    const body = (await stats('?include_bots=true')).json();
    assert.equal(body.total, 6);
    assert.ok(body.devices.some((d: { value: string }) => d.value === 'bot'));
  });

  test('the link\'s clicks field counts every visit, HEAD excluded', async () => {
    const res = await app().inject({ url: `/api/v1/links/${link.id}`, headers: owner.auth });
    assert.equal(res.json().clicks, 6);
  });

  test('interval=hour gives hourly points over the range', async () => {
    const to = new Date(t().clock.now + 3_600_000).toISOString();
    const from = new Date(t().clock.now - 5 * 3_600_000).toISOString();
    const body = (await stats(`?interval=hour&from=${from}&to=${to}`)).json();
    assert.equal(body.total, 5);
    assert.ok(body.series.length >= 6 && body.series.length <= 7);
    assert.equal(body.series.filter((p: { clicks: number }) => p.clicks > 0).length, 1);
  });

  test('when a link never routed, then destinations and rules are empty', async () => {
    const body = (await stats('?include_bots=true')).json();
    assert.deepEqual([body.destinations, body.rules], [[], []]);
  });

  test('when routed visits were counted, then stats answer them by destination and by rule, most first, bots only with include_bots', async () => {
    const routed = (await app().inject({ method: 'POST', url: '/api/v1/links', headers: owner.auth, payload: { url: 'https://example.com/r' } })).json();
    const [a, b] = ['https://a.example/', 'https://b.example/'];
    const visit = (destination: string, rule: number | null, ua = CHROME) =>
      t().ctx.clicks.enqueue({ linkId: routed.id, at: t().clock.now, referrer: null, ua, country: null, counted: false, destination, rule });
    for (let i = 0; i < 4; i++) visit(a, null);
    for (let i = 0; i < 2; i++) visit(b, null);
    for (let i = 0; i < 3; i++) visit(b, 0, IPHONE);
    visit(a, 1, GOOGLEBOT);
    await t().ctx.clicks.flush();
    const of = async (query: string) => {
      const res = await app().inject({ url: `/api/v1/links/${routed.id}/stats${query}`, headers: owner.auth });
      assert.equal(res.statusCode, 200);
      const { total, destinations, rules } = res.json();
      return { total, destinations, rules };
    };
    assert.deepEqual(await of(''), {
      total: 9,
      destinations: [{ url: b, clicks: 5 }, { url: a, clicks: 4 }],
      rules: [{ rule: null, clicks: 6 }, { rule: 0, clicks: 3 }],
    });
    assert.deepEqual(await of('?include_bots=true'), {
      total: 10,
      destinations: [{ url: a, clicks: 5 }, { url: b, clicks: 5 }],
      rules: [{ rule: null, clicks: 6 }, { rule: 0, clicks: 3 }, { rule: 1, clicks: 1 }],
    });
  });

  test('another user gets 404; bad ranges are 400 naming the field', async () => {
    assert.equal((await stats('', other)).statusCode, 404);
    const reversed = await stats(`?from=${new Date().toISOString()}&to=${new Date(Date.now() - 1000).toISOString()}`);
    assert.equal(problem(reversed).errors?.[0]?.field, 'from');
    const huge = await stats(`?interval=hour&from=2020-01-01T00:00:00Z`);
    assert.equal(huge.statusCode, 400);
    assert.equal((await stats('?interval=week')).statusCode, 400);
  });
});
