/**
 * Routing rules, A/B splits and the preview bots' card, as a visitor meets them: over a real socket
 * (the fast redirect, src/http/fast-redirect.ts) and through Fastify's route (app.inject), which must
 * answer alike.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, signUpAndIn, type Caller, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/stores.js';

const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';
const ANDROID = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36';
const DESKTOP = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
const SLACKBOT = 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)';

const RULES = [
  { conditions: [{ type: 'device', value: 'ios' }], url: 'https://example.com/ios' },
  { conditions: [{ type: 'device', value: 'android' }, { type: 'language', value: 'de' }], url: 'https://example.com/android-de' },
  { conditions: [{ type: 'query', name: 'ref', value: 'mail' }], url: 'https://example.com/mail' },
  { conditions: [{ type: 'country', value: 'FR' }], url: 'https://example.com/fr' },
  { conditions: [{ type: 'ip', value: '10.0.0.0/8' }], url: 'https://example.com/office' },
];

for (const dialect of DIALECTS) {
  describe(`routing rules and splits (${dialect})`, () => {
    let t: TestApp;
    let dan: Caller;
    let base = '';
    before(async () => {
      // fetch() sends the Host it connects to: Kurz's own host here. The country comes from a trusted proxy (loopback).
      t = await createTestApp(dialect, { env: { BASE_URL: 'http://127.0.0.1', TRUST_PROXY: 'loopback', COUNTRY_HEADER: 'cf-ipcountry' } });
      dan = await signUpAndIn(t.app);
      base = await t.app.listen({ port: 0, host: '127.0.0.1' });
    });
    after(() => t?.close());

    const create = async (payload: Record<string, unknown>) => {
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/links', headers: dan.auth, payload });
      assert.equal(res.statusCode, 201, res.body);
      return res.json() as { id: string; code: string };
    };
    const socket = (path: string, headers: Record<string, string> = {}, method = 'GET') =>
      fetch(`${base}${path}`, { method, redirect: 'manual', headers: { 'user-agent': DESKTOP, ...headers } });
    const injected = (path: string, headers: Record<string, string> = {}, method: 'GET' | 'HEAD' = 'GET') =>
      t.app.inject({ method, url: path, authority: '127.0.0.1', headers: { 'user-agent': DESKTOP, ...headers } });
    const stats = async (id: string) => {
      await t.ctx.clicks.flush();
      const res = await t.app.inject({ url: `/api/v1/links/${id}/stats?include_bots=true`, headers: dan.auth });
      assert.equal(res.statusCode, 200, res.body);
      return res.json() as { total: number; devices: { value: string; clicks: number }[]; destinations: { url: string; clicks: number }[]; rules: { rule: number | null; clicks: number }[] };
    };

    test('when an iPhone, an Android phone in German and a desktop visit, then each lands where the first matching rule says, on both paths', async () => {
      const link = await create({ url: 'https://example.com/default', redirect_type: 301, rules: RULES });
      const cases: [Record<string, string>, string, string][] = [
        [{ 'user-agent': IPHONE, 'accept-language': 'de-DE' }, '', 'https://example.com/ios'],
        [{ 'user-agent': ANDROID, 'accept-language': 'de-AT,en;q=0.5' }, '', 'https://example.com/android-de'],
        [{ 'user-agent': ANDROID, 'accept-language': 'en-GB, de;q=0' }, '', 'https://example.com/default'],
        [{ 'user-agent': DESKTOP }, '?ref=mail', 'https://example.com/mail'],
        [{ 'user-agent': DESKTOP, 'cf-ipcountry': 'fr' }, '', 'https://example.com/fr'],
        [{ 'user-agent': DESKTOP }, '?ref=web', 'https://example.com/default'],
        [{ 'user-agent': DESKTOP, 'x-forwarded-for': '10.1.2.3' }, '', 'https://example.com/office'],
      ];
      for (const [headers, query, location] of cases) {
        const fast = await socket(`/${link.code}${query}`, headers);
        assert.equal(fast.status, 301);
        assert.equal(fast.headers.get('location'), location, JSON.stringify(headers));
        assert.equal(fast.headers.get('cache-control'), 'private, no-store', 'a routed redirect is never kept by a browser');
        const routed = await injected(`/${link.code}${query}`, headers);
        assert.equal(routed.headers.location, location, `the route: ${JSON.stringify(headers)}`);
      }
      const counted = await stats(link.id);
      assert.equal(counted.total, cases.length * 2);
      assert.deepEqual(new Map(counted.rules.map((r) => [r.rule, r.clicks])), new Map([[0, 2], [1, 2], [2, 2], [3, 2], [4, 2], [null, 4]]));
      assert.equal(counted.destinations.find((d) => d.url === 'https://example.com/default')?.clicks, 4);
    });

    test('when a HEAD asks for a routed link, then it answers the link\'s url and counts nothing', async () => {
      const link = await create({ url: 'https://example.com/head', rules: RULES });
      const res = await injected(`/${link.code}`, { 'user-agent': IPHONE }, 'HEAD');
      assert.equal(res.headers.location, 'https://example.com/head');
      assert.equal((await stats(link.id)).total, 0);
    });

    test('when the rules are edited, then the next visit follows the new rules (the cache was invalidated)', async () => {
      const link = await create({ url: 'https://example.com/before', redirect_type: 301, rules: [RULES[0]] });
      assert.equal((await socket(`/${link.code}`, { 'user-agent': IPHONE })).headers.get('location'), 'https://example.com/ios');
      const patched = await t.app.inject({ method: 'PATCH', url: `/api/v1/links/${link.id}`, headers: dan.auth, payload: { rules: [] } });
      assert.equal(patched.statusCode, 200, patched.body);
      const after = await socket(`/${link.code}`, { 'user-agent': IPHONE });
      assert.equal(after.headers.get('location'), 'https://example.com/before');
      assert.equal(after.headers.get('cache-control'), 'public, max-age=3600', 'without routing, a 301 may be kept again');
    });

    test('when a visitor comes back to a split, then the kurz_split cookie keeps them on their arm; without it they are drawn', async () => {
      const link = await create({
        url: 'https://example.com/control',
        destinations: [{ url: 'https://example.com/a', weight: 1 }, { url: 'https://example.com/b', weight: 1 }],
      });
      const first = await socket(`/${link.code}`);
      const setCookie = first.headers.get('set-cookie') ?? '';
      assert.match(setCookie, new RegExp(`^kurz_split=[^;]+; Path=/${link.code}; Max-Age=2592000; HttpOnly; SameSite=Lax$`));
      const landed = first.headers.get('location');
      const cookie = setCookie.split(';')[0]!;
      for (let i = 0; i < 20; i++) {
        const again = await socket(`/${link.code}`, { cookie });
        assert.equal(again.headers.get('location'), landed);
        assert.equal(again.headers.get('set-cookie'), null, 'a kept arm sets no new cookie');
        assert.equal((await injected(`/${link.code}`, { cookie })).headers.location, landed, 'the route keeps it too');
      }
      const seen = new Set<string | null>();
      for (let i = 0; i < 40; i++) seen.add((await socket(`/${link.code}`)).headers.get('location'));
      assert.deepEqual([...seen].sort(), ['https://example.com/a', 'https://example.com/b'], 'visitors without the cookie are drawn on both arms');
    });

    test('when 10,000 visits hit a 70/20/10 split, then each arm gets its share within ±3% and the stats add up exactly', async () => {
      const arms = [{ url: 'https://example.com/x', weight: 7 }, { url: 'https://example.com/y', weight: 2 }, { url: 'https://example.com/z', weight: 1 }];
      const link = await create({ url: 'https://example.com/split', destinations: arms });
      const landed = new Map<string, number>();
      const visits = 10_000;
      for (let i = 0; i < visits; i++) {
        // Half over the socket (the fast path), half through the route.
        const location = i % 2 === 0 ? (await socket(`/${link.code}`)).headers.get('location')! : String((await injected(`/${link.code}`)).headers.location);
        landed.set(location, (landed.get(location) ?? 0) + 1);
      }
      for (const arm of arms) {
        const share = (landed.get(arm.url) ?? 0) / visits;
        assert.ok(Math.abs(share - arm.weight / 10) <= 0.03, `${arm.url}: ${share}`);
      }
      const counted = await stats(link.id);
      assert.equal(counted.total, visits);
      assert.deepEqual(new Map(counted.destinations.map((d) => [d.url, d.clicks])), landed, 'the stats count exactly what the visitors got');
      assert.deepEqual(counted.rules, [{ rule: null, clicks: visits }]);
    });

    test('when a preview bot visits a link with og fields, then it gets the card, counted as a bot; people and og-less links redirect', async () => {
      const link = await create({ url: 'https://example.com/article', og: { title: 'Our <launch>', description: 'All of it', image: 'https://example.com/card.png' } });
      for (const res of [await socket(`/${link.code}`, { 'user-agent': SLACKBOT }), await injected(`/${link.code}`, { 'user-agent': SLACKBOT }).then((r) => new Response(r.body, { status: r.statusCode, headers: r.headers as Record<string, string> }))]) {
        assert.equal(res.status, 200);
        assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
        assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'/);
        const html = await res.text();
        assert.match(html, /<meta property="og:title" content="Our &lt;launch&gt;">/);
        assert.match(html, /<meta property="og:image" content="https:\/\/example.com\/card.png">/);
        assert.doesNotMatch(html, /<launch>/);
      }
      assert.equal((await socket(`/${link.code}`)).headers.get('location'), 'https://example.com/article');
      const locked = await create({ url: 'https://example.com/secret-place', password: 'open sesame', og: { title: 'Members only' } });
      const card = await socket(`/${locked.code}`, { 'user-agent': SLACKBOT });
      const lockedHtml = await card.text();
      assert.match(lockedHtml, /og:title" content="Members only"/, 'a protected link unfurls as its owner set it');
      assert.doesNotMatch(lockedHtml, /secret-place/, 'but its card does not give its destination away');
      const plain = await create({ url: 'https://example.com/plain' });
      assert.equal((await socket(`/${plain.code}`, { 'user-agent': SLACKBOT })).status, 302);
      const counted = await stats(link.id);
      assert.equal(counted.total, 3);
      assert.equal(counted.devices.find((d) => d.value === 'bot')?.clicks, 2);
    });

    test('when a routed link has a click limit or a password, then routing applies once the visit is let through', async () => {
      const limited = await create({ url: 'https://example.com/limited', max_clicks: 1, rules: [RULES[0]] });
      assert.equal((await socket(`/${limited.code}`, { 'user-agent': IPHONE })).headers.get('location'), 'https://example.com/ios');
      assert.equal((await socket(`/${limited.code}`, { 'user-agent': IPHONE })).status, 410);

      const locked = await create({ url: 'https://example.com/locked', password: 'open sesame', rules: [RULES[0]] });
      const unlocked = await fetch(`${base}/${locked.code}`, {
        method: 'POST', redirect: 'manual', body: 'password=open+sesame',
        headers: { 'user-agent': IPHONE, 'content-type': 'application/x-www-form-urlencoded' },
      });
      assert.equal(unlocked.status, 303);
      assert.equal(unlocked.headers.get('location'), 'https://example.com/ios');
    });
  });
}
