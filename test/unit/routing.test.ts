import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  acceptedLanguages, ipProblem, matchRule, pickWeighted, route, type AgentFacts, type Destination, type Rule, type VisitFacts,
} from '../../src/domain/routing.js';
import { asksVisit, decideRedirect, decideUnlocked, type RedirectLink } from '../../src/domain/redirect-decision.js';

const IPHONE: AgentFacts = { bot: false, browser: 'Mobile Safari', os: 'iOS', device: 'mobile' };
const IPAD: AgentFacts = { bot: false, browser: 'Mobile Safari', os: 'iOS', device: 'tablet' };
const ANDROID: AgentFacts = { bot: false, browser: 'Chrome', os: 'Android', device: 'mobile' };
const DESKTOP: AgentFacts = { bot: false, browser: 'Firefox', os: 'Windows', device: 'desktop' };
const BOT: AgentFacts = { bot: true, browser: '(unknown)', os: '(unknown)', device: 'bot' };

/** A visit with these facts, counting how often each is asked. */
function visit(over: { agent?: AgentFacts; lang?: string; country?: string; ip?: string; query?: string; cookie?: string; draw?: number } = {}) {
  const asked = { agent: 0, languages: 0, ip: 0 };
  const facts: VisitFacts = {
    agent: () => (asked.agent++, over.agent ?? DESKTOP),
    languages: () => (asked.languages++, acceptedLanguages(over.lang)),
    country: () => over.country ?? null,
    ip: () => (asked.ip++, over.ip ?? '198.51.100.1'),
    query: (name) => new URLSearchParams(over.query ?? '').get(name) ?? undefined,
    splitCookie: () => over.cookie,
    random: () => over.draw ?? 0.5,
  };
  return { facts, asked };
}

const rules: Rule[] = [
  { conditions: [{ type: 'device', value: 'ios' }], url: 'https://example.com/ios' },
  { conditions: [{ type: 'device', value: 'android' }, { type: 'language', value: 'de' }], url: 'https://example.com/android-de' },
  { conditions: [{ type: 'language', value: 'fr' }], url: 'https://example.com/fr' },
];

describe('routing rules', () => {
  test('when several rules match, then the first decides; when none does, then the link\'s url', () => {
    assert.equal(matchRule(rules, visit({ agent: IPHONE, lang: 'fr' }).facts, 0), 0);
    assert.equal(matchRule(rules, visit({ agent: ANDROID, lang: 'de-AT,fr;q=0.5' }).facts, 0), 1);
    assert.equal(matchRule(rules, visit({ agent: ANDROID, lang: 'fr' }).facts, 0), 2, 'android-de needs both conditions');
    assert.deepEqual(route({ rules }, 'https://example.com/', visit({ agent: DESKTOP, lang: 'en' }).facts, 0),
      { url: 'https://example.com/', rule: null, destination: null });
  });

  test('when a rule asks only the language, then the user agent is never parsed; and each fact is asked once per rule', () => {
    const { facts, asked } = visit({ lang: 'en' });
    route({ rules: [{ conditions: [{ type: 'language', value: 'fr' }], url: 'https://example.com/fr' }] }, 'https://example.com/', facts, 0);
    assert.equal(asked.agent, 0);
    assert.equal(asked.ip, 0);
  });

  test('when devices are named, then ios/android go by the OS, mobile/tablet by the device type, desktop is neither, bot by isbot', () => {
    const device = (value: 'ios' | 'android' | 'mobile' | 'tablet' | 'desktop' | 'bot', agent: AgentFacts) =>
      matchRule([{ conditions: [{ type: 'device', value }], url: 'https://x.example/' }], visit({ agent }).facts, 0) === 0;
    assert.deepEqual([device('ios', IPHONE), device('ios', IPAD), device('ios', ANDROID)], [true, true, false]);
    assert.deepEqual([device('mobile', IPHONE), device('mobile', IPAD), device('tablet', IPAD)], [true, false, true]);
    assert.deepEqual([device('desktop', DESKTOP), device('desktop', IPHONE), device('desktop', BOT)], [true, false, false]);
    assert.deepEqual([device('bot', BOT), device('bot', DESKTOP), device('android', ANDROID)], [true, false, true]);
  });

  test('when os and browser are named, then case is ignored and Mobile Safari is Safari', () => {
    const one = (rule: Rule['conditions'][number], agent: AgentFacts) => matchRule([{ conditions: [rule], url: 'https://x.example/' }], visit({ agent }).facts, 0) === 0;
    assert.equal(one({ type: 'os', value: 'ios' }, IPHONE), true);
    assert.equal(one({ type: 'os', value: 'Windows' }, IPHONE), false);
    assert.equal(one({ type: 'browser', value: 'safari' }, IPHONE), true);
    assert.equal(one({ type: 'browser', value: 'Chrome' }, ANDROID), true);
    assert.equal(one({ type: 'browser', value: 'Chrome' }, DESKTOP), false);
  });

  test('when languages are matched, then q=0 excludes, a primary subtag matches its regions, and a region does not match another', () => {
    const lang = (value: string, header: string) => matchRule([{ conditions: [{ type: 'language', value }], url: 'https://x.example/' }], visit({ lang: header }).facts, 0) === 0;
    assert.equal(lang('en', 'en-GB'), true);
    assert.equal(lang('en-GB', 'en-gb'), true);
    assert.equal(lang('en-GB', 'en-US'), false);
    assert.equal(lang('en-GB', 'en'), false);
    assert.equal(lang('en', 'de, en;q=0'), false);
    assert.equal(lang('e', 'en'), false);
    assert.deepEqual(acceptedLanguages('fr;q=0.4, de-CH, *;q=0.1, en;q=0.9, bad tag, es;q=0'), ['de-ch', 'en', 'fr']);
    assert.deepEqual(acceptedLanguages(undefined), []);
  });

  test('when country, query, ip and time are named, then each holds exactly as documented', () => {
    const one = (condition: Rule['conditions'][number], over: Parameters<typeof visit>[0], now = 0) =>
      matchRule([{ conditions: [condition], url: 'https://x.example/' }], visit(over).facts, now) === 0;
    assert.equal(one({ type: 'country', value: 'DE' }, { country: 'DE' }), true);
    assert.equal(one({ type: 'country', value: 'DE' }, {}), false, 'no trusted country: no match');
    assert.equal(one({ type: 'query', name: 'ref' }, { query: 'ref=' }), true, 'present, even empty');
    assert.equal(one({ type: 'query', name: 'ref', value: 'mail' }, { query: 'x=1&ref=mail' }), true);
    assert.equal(one({ type: 'query', name: 'ref', value: 'mail' }, { query: 'ref=web' }), false);
    assert.equal(one({ type: 'ip', value: '10.0.0.0/8' }, { ip: '10.20.30.40' }), true);
    assert.equal(one({ type: 'ip', value: '10.0.0.0/8' }, { ip: '11.0.0.1' }), false);
    assert.equal(one({ type: 'ip', value: '2001:db8::/32' }, { ip: '2001:db8:1::5' }), true);
    assert.equal(one({ type: 'ip', value: '203.0.113.7' }, { ip: '203.0.113.7' }), true);
    assert.equal(one({ type: 'ip', value: '203.0.113.7' }, { ip: 'not an address' }), false);
    assert.equal(one({ type: 'time', after: 100, before: 200 }, {}, 100), true);
    assert.equal(one({ type: 'time', after: 100, before: 200 }, {}, 200), false, 'before is exclusive');
    assert.equal(one({ type: 'time', before: 200 }, {}, 50), true);
    assert.equal(one({ type: 'time', after: 100 }, {}, 50), false);
  });

  test('when an ip value is checked, then addresses and CIDR blocks pass and the rest is named', () => {
    assert.equal(ipProblem('10.0.0.0/8'), undefined);
    assert.equal(ipProblem('::1'), undefined);
    assert.equal(ipProblem('2001:db8::/128'), undefined);
    assert.match(ipProblem('10.0.0.0/33')!, /0 to 32/);
    assert.match(ipProblem('2001:db8::/129')!, /0 to 128/);
    assert.ok(ipProblem('10.0.0/8'));
    assert.ok(ipProblem('10.0.0.0/8/1'));
    assert.ok(ipProblem('10.0.0.0/-1'));
  });
});

describe('A/B splits', () => {
  const arms: Destination[] = [{ url: 'https://example.com/a', weight: 1 }, { url: 'https://example.com/b', weight: 3 }];

  test('when the draw falls along [0, 1), then each arm takes its weight\'s share', () => {
    assert.deepEqual([0, 0.2499, 0.25, 0.9999].map((d) => pickWeighted(arms, d)), [0, 0, 1, 1]);
  });

  test('when a visitor has no cookie, then an arm is drawn and a cookie to keep it is set; with it, the same arm and no new cookie', () => {
    const first = route({ destinations: arms }, 'https://example.com/', visit({ draw: 0.1 }).facts, 0);
    assert.equal(first.url, 'https://example.com/a');
    assert.equal(first.destination, 0);
    assert.ok(first.setSplitCookie);
    const again = route({ destinations: arms }, 'https://example.com/', visit({ draw: 0.9, cookie: first.setSplitCookie }).facts, 0);
    assert.deepEqual(again, { url: 'https://example.com/a', rule: null, destination: 0 });
  });

  test('when the split changed since the cookie was set, or the cookie is junk, then the visitor is drawn again', () => {
    const cookie = route({ destinations: arms }, 'https://example.com/', visit({ draw: 0.1 }).facts, 0).setSplitCookie!;
    const changed = [arms[0]!, { url: 'https://example.com/c', weight: 3 }];
    assert.equal(route({ destinations: changed }, 'https://example.com/', visit({ draw: 0.9, cookie }).facts, 0).destination, 1);
    for (const junk of ['9.' + cookie.split('.')[1], 'x', '.', '-1.' + cookie.split('.')[1], '']) {
      assert.ok(route({ destinations: arms }, 'https://example.com/', visit({ draw: 0.9, cookie: junk }).facts, 0).setSplitCookie, junk);
    }
  });

  test('when a rule matches, then it wins over the split; when none does, then the split draws', () => {
    const link = { rules: [rules[0]!], destinations: arms };
    assert.equal(route(link, 'https://example.com/', visit({ agent: IPHONE }).facts, 0).rule, 0);
    assert.equal(route(link, 'https://example.com/', visit({ agent: DESKTOP, draw: 0.9 }).facts, 0).destination, 1);
  });
});

describe('the redirect decision of a routed link', () => {
  const link = (over: Partial<RedirectLink> = {}): RedirectLink =>
    ({ url: 'https://example.com/', redirectType: 301, expiresAt: null, maxClicks: null, hasPassword: false, ...over });

  test('when a link routes, then its redirect goes where the route says, is never cacheable, and carries the route', () => {
    const decision = decideRedirect(link({ rules }), 0, visit({ agent: IPHONE }).facts);
    assert.ok(decision.kind === 'redirect');
    assert.equal(decision.location, 'https://example.com/ios');
    assert.equal(decision.cacheable, false);
    assert.equal(decision.route?.rule, 0);
    assert.equal(decideUnlocked(link({ rules }), 0, visit({ agent: IPHONE }).facts).kind, 'redirect');
  });

  test('when no visit is given (a HEAD), then a routed link answers its url', () => {
    const decision = decideRedirect(link({ rules }), 0);
    assert.ok(decision.kind === 'redirect');
    assert.equal(decision.location, 'https://example.com/');
  });

  test('when a preview bot visits a link with og fields, then the card; without og, or a person, the redirect', () => {
    const og = { title: 'T' };
    assert.equal(decideRedirect(link({ og }), 0, visit({ agent: BOT }).facts).kind, 'card');
    assert.equal(decideRedirect(link({ og, hasPassword: true }), 0, visit({ agent: BOT }).facts).kind, 'card');
    assert.equal(decideRedirect(link({ og }), 0, visit({ agent: DESKTOP }).facts).kind, 'redirect');
    assert.equal(decideRedirect(link(), 0, visit({ agent: BOT }).facts).kind, 'redirect');
    assert.equal(decideRedirect(link({ og, expiresAt: 1 }), 5, visit({ agent: BOT }).facts).kind, 'gone', 'an expired link has no card');
  });

  test('when a link has neither routing nor og, then it asks nothing of the visit', () => {
    assert.equal(asksVisit(link()), false);
    assert.equal(asksVisit(link({ rules: null, destinations: null, og: null })), false);
    assert.equal(asksVisit(link({ destinations: [] as Destination[] })), true);
    assert.equal(asksVisit(link({ og: {} })), true);
  });
});
