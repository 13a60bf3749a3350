import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  DAY, DIMENSIONS, DIRECT, HOUR, UNKNOWN, bucketOf, countClicks, countRoutes, countryCode, groupClicks, referrerHost, uncountedPerLink,
  type ClickEvent, type Dimension, type ParsedClick,
} from '../../src/domain/clicks.js';
import { describeAgent, parseClick } from '../../src/analytics/parse.js';
import { joinMarginals } from '../../src/adapters/store/migrations/0003-click-counts.js';

const UA = {
  chromeWindows: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  iPhone: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  iPad: 'Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  googlebot: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  bingbot: 'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36',
  curl: 'curl/8.0.1',
  pythonRequests: 'python-requests/2.31.0',
};

const NOON = Date.UTC(2024, 0, 10, 12);
let n = 0;

function click(over: Partial<ParsedClick> = {}): ParsedClick {
  return {
    key: `click-${++n}`, linkId: 'link-a', at: NOON + 5 * 60_000, counted: false, bot: false,
    referrer: 'news.example', country: 'DE', browser: 'Chrome', os: 'Windows', device: 'desktop', ...over,
  };
}

describe('referrerHost', () => {
  test('takes the lower-cased host of an absolute http or https Referer, without path, port or credentials', () => {
    assert.equal(referrerHost('https://News.Example.COM/a/b?q=1#x'), 'news.example.com');
    assert.equal(referrerHost('http://blog.example:8080/post'), 'blog.example');
    assert.equal(referrerHost('https://user:secret@social.example/'), 'social.example');
  });

  test('drops the trailing dot of a fully qualified host', () => {
    assert.equal(referrerHost('https://Example.org./page'), 'example.org');
  });

  test('is null for a missing, empty, relative or unparsable Referer', () => {
    for (const referer of [undefined, '', '/relative/path', 'example.com/page', 'not a url', 'http://', 'https://./']) {
      assert.equal(referrerHost(referer), null, String(referer));
    }
  });

  test('is null for schemes other than http and https', () => {
    for (const referer of ['android-app://com.google.android.gm/', 'javascript:alert(1)', 'ftp://files.example/x', 'file:///etc/passwd', 'data:text/html,hi']) {
      assert.equal(referrerHost(referer), null, referer);
    }
  });
});

describe('countryCode', () => {
  test('upper-cases and trims a two-letter code', () => {
    assert.equal(countryCode('DE'), 'DE');
    assert.equal(countryCode('fr'), 'FR');
    assert.equal(countryCode(' us '), 'US');
  });

  test("is null for Cloudflare's unknown XX, in any case", () => {
    assert.equal(countryCode('XX'), null);
    assert.equal(countryCode('xx'), null);
  });

  test('is null for a missing or malformed value', () => {
    for (const header of [undefined, '', 'D', 'DEU', 'T1', 'D-', '12', 'de,fr']) {
      assert.equal(countryCode(header), null, String(header));
    }
  });
});

describe('describeAgent', () => {
  test('a desktop Chrome on Windows is Chrome, Windows, desktop, not a bot', () => {
    assert.deepEqual(describeAgent(UA.chromeWindows), { bot: false, browser: 'Chrome', os: 'Windows', device: 'desktop' });
  });

  test('Safari on an iPhone is Mobile Safari, iOS, mobile', () => {
    assert.deepEqual(describeAgent(UA.iPhone), { bot: false, browser: 'Mobile Safari', os: 'iOS', device: 'mobile' });
  });

  test('an iPad is a tablet', () => {
    const agent = describeAgent(UA.iPad);
    assert.equal(agent.device, 'tablet');
    assert.equal(agent.bot, false);
  });

  test('crawlers and HTTP clients are bots, with device bot', () => {
    for (const [name, ua] of Object.entries({ googlebot: UA.googlebot, bingbot: UA.bingbot, curl: UA.curl, python: UA.pythonRequests })) {
      const agent = describeAgent(ua);
      assert.equal(agent.bot, true, name);
      assert.equal(agent.device, 'bot', name);
    }
  });

  test('a missing or empty user agent is unknown in every attribute and not a bot', () => {
    const unknown = { bot: false, browser: UNKNOWN, os: UNKNOWN, device: UNKNOWN };
    assert.deepEqual(describeAgent(null), unknown);
    assert.deepEqual(describeAgent(''), unknown);
  });
});

describe('parseClick', () => {
  const event = (over: Partial<ClickEvent> = {}): ClickEvent => ({
    key: 'evt-1', linkId: 'link-1', at: NOON, referrer: 'news.example', ua: UA.iPhone, country: 'NL', counted: true, ...over,
  });

  test('keeps key, linkId, at, counted, referrer and country, and adds the parsed agent', () => {
    assert.deepEqual(parseClick(event()), {
      key: 'evt-1', linkId: 'link-1', at: NOON, counted: true, referrer: 'news.example', country: 'NL',
      bot: false, browser: 'Mobile Safari', os: 'iOS', device: 'mobile', n: 1,
    });
    assert.equal(parseClick(event(), 7).n, 7);
    assert.equal(parseClick(event({ counted: false })).counted, false);
  });

  test("a direct visit has referrer '(direct)' and an unknown country '(unknown)'", () => {
    const parsed = parseClick(event({ referrer: null, country: null, ua: null }));
    assert.equal(parsed.referrer, DIRECT);
    assert.equal(DIRECT, '(direct)');
    assert.equal(parsed.country, '(unknown)');
    assert.equal(parsed.browser, '(unknown)');
  });

  test('a bot click is marked bot with device bot', () => {
    const parsed = parseClick(event({ ua: UA.googlebot }));
    assert.equal(parsed.bot, true);
    assert.equal(parsed.device, 'bot');
  });
});

describe('bucketOf', () => {
  test('an hourly bucket starts at the top of the hour, and the last millisecond stays in it', () => {
    assert.equal(bucketOf(NOON), NOON);
    assert.equal(bucketOf(NOON + 59 * 60_000 + 59_999), NOON);
    assert.equal(bucketOf(NOON + HOUR), NOON + HOUR);
    assert.equal(bucketOf(NOON - 1), NOON - HOUR);
  });

  test('a daily bucket starts at UTC midnight', () => {
    const midnight = Date.UTC(2024, 0, 10);
    assert.equal(bucketOf(NOON, DAY), midnight);
    assert.equal(bucketOf(midnight, DAY), midnight);
    assert.equal(bucketOf(midnight - 1, DAY), midnight - DAY);
  });
});

describe('countClicks', () => {
  test('one click gives one row with its link, hour, bot-ness and every dimension value', () => {
    const c = click({ bot: true, referrer: 'r.example', country: 'FR', browser: 'Firefox', os: 'Linux', device: 'bot' });
    assert.deepEqual(countClicks([c]), [{
      linkId: 'link-a', bucket: NOON, bot: true, referrer: 'r.example', country: 'FR', browser: 'Firefox', os: 'Linux', device: 'bot', clicks: 1,
    }]);
  });

  test('clicks alike in link, hour, bot-ness and every dimension merge into one row with their sum', () => {
    const rows = countClicks([click({ at: NOON }), click({ at: NOON + 30 * 60_000 }), click({ at: NOON + HOUR - 1, country: 'AT' })]);
    assert.deepEqual(rows.map((r) => `${r.country} ${r.clicks}`).sort(), ['AT 1', 'DE 2']);
  });

  test('different hours, links or bot-ness stay in separate rows', () => {
    const rows = countClicks([click(), click({ at: NOON + HOUR }), click({ linkId: 'link-b' }), click({ bot: true }), click({ bot: true })]);
    const keyed = rows.map((r) => `${r.linkId} ${r.bucket} ${r.bot} ${r.clicks}`).sort();
    assert.deepEqual(keyed, [
      `link-a ${NOON + HOUR} false 1`, `link-a ${NOON} false 1`, `link-a ${NOON} true 2`, `link-b ${NOON} false 1`,
    ].sort());
  });

  test('the rows sum to the number of clicks, and per value of each dimension to that value\'s clicks', () => {
    const countries = ['DE', 'FR', 'US', '(unknown)'];
    const clicks = Array.from({ length: 50 }, (_, i) => click({
      linkId: i % 3 ? 'link-a' : 'link-b', at: NOON + (i % 5) * HOUR + i, bot: i % 7 === 0, country: countries[i % 4]!,
    }));
    const rows = countClicks(clicks);
    assert.equal(rows.reduce((s, r) => s + r.clicks, 0), 50);
    for (const country of countries) {
      assert.equal(rows.filter((r) => r.country === country).reduce((s, r) => s + r.clicks, 0), clicks.filter((c) => c.country === country).length);
    }
  });

  test('no clicks give no rows', () => {
    assert.deepEqual(countClicks([]), []);
  });
});

describe('joinMarginals (carrying 0002 per-dimension rows over)', () => {
  const sums = (rows: ReturnType<typeof joinMarginals>, dimension: Dimension) => {
    const out: Record<string, number> = {};
    for (const r of rows) out[r.values[dimension]] = (out[r.values[dimension]] ?? 0) + r.clicks;
    return out;
  };

  test('the rows reproduce every marginal exactly and sum to the total', () => {
    const marginals = {
      referrer: [['a.example', 5], ['(direct)', 3], ['b.example', 2]], country: [['DE', 7], ['FR', 3]],
      browser: [['Chrome', 9], ['Firefox', 1]], os: [['Linux', 4], ['Windows', 6]], device: [['desktop', 10]],
    } as Record<Dimension, [string, number][]>;
    const rows = joinMarginals(10, marginals);
    assert.equal(rows.reduce((s, r) => s + r.clicks, 0), 10);
    for (const d of DIMENSIONS) assert.deepEqual(sums(rows, d), Object.fromEntries(marginals[d]), d);
    assert.ok(rows.length <= 10 - 1 + DIMENSIONS.length, 'at most one row per value boundary');
  });

  test('a dimension that is missing or short of the total is filled up with (unknown)', () => {
    const rows = joinMarginals(4, { country: [['DE', 3]] });
    assert.deepEqual(sums(rows, 'country'), { DE: 3, '(unknown)': 1 });
    assert.deepEqual(sums(rows, 'browser'), { '(unknown)': 4 });
  });

  test('a total of zero gives no rows', () => {
    assert.deepEqual(joinMarginals(0, {}), []);
  });
});

describe('uncountedPerLink', () => {
  test('counts per link only the clicks the redirect has not counted already', () => {
    const counts = uncountedPerLink([
      click({ linkId: 'a' }), click({ linkId: 'a' }), click({ linkId: 'a', counted: true }),
      click({ linkId: 'b', counted: true }), click({ linkId: 'c' }),
    ]);
    assert.deepEqual([...counts].sort(), [['a', 2], ['c', 1]]);
  });
});

describe('groupClicks', () => {
  const event = (over: Partial<ClickEvent> = {}): ClickEvent => ({
    linkId: 'link-1', at: NOON + 60_000, referrer: null, ua: UA.chromeWindows, country: null, counted: false, ...over,
  });

  test('when a batch holds the same click many times, then it is one group with their number and the latest time', () => {
    const groups = groupClicks([event(), event({ at: NOON + 120_000 }), event()]);
    assert.equal(groups.length, 1);
    assert.equal(groups[0]!.n, 3);
    assert.equal(groups[0]!.event.at, NOON + 120_000);
  });

  test('when clicks differ in key, link, hour, counted-ness, referrer, user agent or country, then each is a group of its own', () => {
    const variants = [
      event(), event({ key: 'k' }), event({ linkId: 'link-2' }), event({ at: NOON + HOUR }), event({ counted: true }),
      event({ referrer: 'news.example' }), event({ ua: UA.iPhone }), event({ ua: null }), event({ country: 'NL' }),
    ];
    const groups = groupClicks([...variants, ...variants]);
    assert.equal(groups.length, variants.length);
    assert.ok(groups.every((g) => g.n === 2));
  });

  test('when grouped clicks are counted, then the rows and per-link sums equal those of the clicks one by one', () => {
    const events = Array.from({ length: 60 }, (_, i) => event({ linkId: `link-${i % 4}`, ua: i % 3 ? UA.iPhone : UA.curl, counted: i % 5 === 0 }));
    const grouped = groupClicks(events).map(({ event: e, n }) => parseClick(e, n));
    const sorted = (rows: ReturnType<typeof countClicks>) => [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    assert.deepEqual(sorted(countClicks(grouped)), sorted(countClicks(events.map((e) => parseClick(e)))));
    assert.deepEqual([...uncountedPerLink(grouped)].sort(), [...uncountedPerLink(events.map((e) => parseClick(e)))].sort());
    assert.ok(grouped.length < 20, `60 clicks of 4 links and 2 agents are a few groups (${grouped.length})`);
  });

  test('when visits of one link, hour and visitor were sent to different arms or by different rules, then each route is a group of its own', () => {
    const variants = [
      event(), event({ destination: 'https://a.example/', rule: null }), event({ destination: 'https://b.example/', rule: null }),
      event({ destination: 'https://a.example/', rule: 0 }), event({ destination: 'https://a.example/', rule: 1 }),
    ];
    const groups = groupClicks([...variants, ...variants, ...variants]);
    assert.equal(groups.length, variants.length);
    assert.ok(groups.every((g) => g.n === 3));
    assert.deepEqual(groups.map((g) => [g.event.destination, g.event.rule]), variants.map((v) => [v.destination, v.rule]));
  });

  test('when routed clicks are grouped, parsed and counted, then the route rows equal those of the clicks one by one', () => {
    const arms = ['https://a.example/', 'https://b.example/', 'https://c.example/'];
    const events = Array.from({ length: 90 }, (_, i) => event({ destination: arms[i % 3], rule: i % 2 ? null : i % 4, ua: i % 5 ? UA.iPhone : UA.googlebot }));
    const sorted = (rows: ReturnType<typeof countRoutes>) => [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    const grouped = countRoutes(groupClicks(events).map(({ event: e, n }) => parseClick(e, n)));
    assert.deepEqual(sorted(grouped), sorted(countRoutes(events.map((e) => parseClick(e)))));
    assert.equal(grouped.reduce((sum, r) => sum + r.clicks, 0), 90);
    assert.equal(new Set(grouped.map((r) => r.destination)).size, 3);
  });
});

describe('countRoutes', () => {
  test('when a batch mixes routed and unrouted clicks, then only the routed ones make rows, per link, hour, bot-ness, rule and destination', () => {
    const rows = countRoutes([
      click(), click({ destination: null, rule: null }),
      click({ destination: 'https://a.example/', rule: null }), click({ destination: 'https://a.example/', rule: null, n: 4 }),
      click({ destination: 'https://a.example/', rule: 0 }), click({ destination: 'https://a.example/', rule: null, bot: true }),
      click({ destination: 'https://a.example/', rule: null, at: NOON + HOUR }),
    ]);
    assert.deepEqual(rows, [
      { linkId: 'link-a', bucket: NOON, bot: false, rule: null, destination: 'https://a.example/', clicks: 5 },
      { linkId: 'link-a', bucket: NOON, bot: false, rule: 0, destination: 'https://a.example/', clicks: 1 },
      { linkId: 'link-a', bucket: NOON, bot: true, rule: null, destination: 'https://a.example/', clicks: 1 },
      { linkId: 'link-a', bucket: NOON + HOUR, bot: false, rule: null, destination: 'https://a.example/', clicks: 1 },
    ]);
  });
});

describe('parseClick and routes', () => {
  test('when an event carries a route, then the parsed click keeps destination and rule; when it carries none, then neither field is there', () => {
    const base: ClickEvent = { linkId: 'l', at: NOON, referrer: null, ua: null, country: null, counted: false };
    assert.deepEqual([parseClick({ ...base, destination: 'https://a.example/', rule: 2 })].map((c) => [c.destination, c.rule]), [['https://a.example/', 2]]);
    assert.deepEqual([parseClick({ ...base, destination: 'https://a.example/' })].map((c) => [c.destination, c.rule]), [['https://a.example/', null]]);
    const plain = parseClick({ ...base, destination: null, rule: null });
    assert.ok(!('destination' in plain) && !('rule' in plain));
  });
});
