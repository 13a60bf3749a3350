import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { describeEachDialect, problem, signUpAndIn, type Caller } from '../support/app.js';

const IPHONE_UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
const DESKTOP_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0';

const RULES = [
  { conditions: [{ type: 'device', value: 'ios' }], url: 'https://example.com/ios' },
  { conditions: [{ type: 'language', value: 'de' }, { type: 'country', value: 'de' }], url: 'https://example.com/de-in-de' },
  { conditions: [{ type: 'language', value: 'de' }], url: 'https://example.com/de' },
  { conditions: [{ type: 'ip', value: '10.0.0.0/8' }], url: 'https://example.com/office' },
  { conditions: [{ type: 'query', name: 'ref', value: 'mail' }], url: 'https://example.com/mail' },
  { conditions: [{ type: 'time', after: '2030-01-01T00:00:00.000Z', before: '2030-01-02T00:00:00.000Z' }], url: 'https://example.com/new-year' },
];
const SPLIT = [{ url: 'https://example.com/a', weight: 3 }, { url: 'https://example.com/b', weight: 1 }];
const OG = { title: 'Summer sale', description: 'Everything must go', image: 'https://cdn.example.com/sale.png' };

/** The fields a problem names, each once (a URL may fail for several reasons). */
const fieldsOf = (res: LightMyRequestResponse): string[] => [...new Set(problem(res).errors?.map((e) => e.field))];

type LinkJson = { id: string; code: string; url: string; title: string | null; rules: unknown[]; destinations: unknown[]; og: unknown; updated_at: string };

describeEachDialect('link routing API: rules, destinations, og and rules/test', ({ app }) => {
  let eve: Caller;
  let mallory: Caller;
  const create = async (payload: Record<string, unknown>): Promise<LinkJson> => {
    const res = await app().inject({ method: 'POST', url: '/api/v1/links', headers: eve.auth, payload });
    assert.equal(res.statusCode, 201, res.body);
    return res.json();
  };
  const write = (method: 'PATCH' | 'PUT', id: string, payload: Record<string, unknown>) =>
    app().inject({ method, url: `/api/v1/links/${id}`, headers: eve.auth, payload });
  const read = async (id: string): Promise<LinkJson> => (await app().inject({ url: `/api/v1/links/${id}`, headers: eve.auth })).json();

  before(async () => {
    eve = await signUpAndIn(app());
    mallory = await signUpAndIn(app());
  });

  test('when a link is created with rules, destinations and og, then GET answers them as sent (times ISO)', async () => {
    const created = await create({ url: 'https://example.com/', rules: RULES, destinations: SPLIT, og: OG });
    assert.deepEqual(created.rules, RULES.map((r, i) => (i === 1 ? { ...r, conditions: [r.conditions[0], { type: 'country', value: 'DE' }] } : r)));
    assert.deepEqual(created.destinations, SPLIT);
    assert.deepEqual(created.og, OG);
    assert.deepEqual(await read(created.id), created);
  });

  test('when a link has none of them, then rules and destinations are [] and og null', async () => {
    const link = await create({ url: 'https://example.com/plain' });
    assert.deepEqual([link.rules, link.destinations, link.og], [[], [], null]);
  });
  test('when a link is replaced (PUT), then rules, destinations and og sent are stored, and left out are cleared', async () => {
    const link = await create({ url: 'https://example.com/', rules: RULES, destinations: SPLIT, og: OG });
    const other = [{ conditions: [{ type: 'os', value: 'Android' }, { type: 'browser', value: 'Chrome' }], url: 'https://example.com/android/' }];
    const replaced = await write('PUT', link.id, { url: 'https://example.com/', rules: other });
    assert.equal(replaced.statusCode, 200, replaced.body);
    assert.deepEqual(replaced.json().rules, other);
    const cleared = await write('PUT', link.id, { url: 'https://example.com/' });
    assert.deepEqual([cleared.json().rules, cleared.json().destinations, cleared.json().og], [[], [], null]);
    assert.deepEqual(await read(link.id), cleared.json());
  });

  test('when a link is patched without them, then they are kept; with null, [] or an empty og, then they are cleared', async () => {
    const link = await create({ url: 'https://example.com/', rules: RULES, destinations: SPLIT, og: OG });
    const titled = await write('PATCH', link.id, { title: 'kept' });
    assert.equal(titled.statusCode, 200, titled.body);
    assert.deepEqual([titled.json().rules, titled.json().destinations, titled.json().og], [link.rules, SPLIT, OG]);
    const ogOnly = await write('PATCH', link.id, { og: { title: 'Only a title' } });
    assert.deepEqual(ogOnly.json().og, { title: 'Only a title' });
    const cleared = await write('PATCH', link.id, { rules: [], destinations: null, og: {} });
    assert.equal(cleared.statusCode, 200, cleared.body);
    assert.deepEqual([cleared.json().rules, cleared.json().destinations, cleared.json().og], [[], [], null]);
    assert.equal(cleared.json().title, 'kept');
  });

  test('when rule and split URLs are sent in another spelling, then they are stored normalised like url', async () => {
    const link = await create({
      url: 'https://example.com/', rules: [{ conditions: [{ type: 'query', name: 'x' }], url: 'HTTPS://Example.COM/é' }],
      destinations: [{ url: 'https://EXAMPLE.com', weight: 1 }, { url: 'https://example.com/b', weight: 1000 }], og: { image: 'https://CDN.example.com/i.png' },
    });
    assert.deepEqual(link.rules, [{ conditions: [{ type: 'query', name: 'x' }], url: 'https://example.com/%C3%A9' }]);
    assert.deepEqual(link.destinations, [{ url: 'https://example.com/', weight: 1 }, { url: 'https://example.com/b', weight: 1000 }]);
    assert.deepEqual(link.og, { image: 'https://cdn.example.com/i.png' });
  });

  const rule = (conditions: unknown[], url = 'https://example.com/r') => ({ rules: [{ conditions, url }] });
  const ios = { type: 'device', value: 'ios' };
  const REFUSALS: [string, Record<string, unknown>, string][] = [
    ['33 rules', { rules: Array.from({ length: 33 }, () => ({ conditions: [ios], url: 'https://example.com/r' })) }, 'rules'],
    ['9 conditions', rule(Array.from({ length: 9 }, () => ios)), 'rules[0].conditions'],
    ['no condition', rule([]), 'rules[0].conditions'],
    ['1 destination', { destinations: [{ url: 'https://example.com/a', weight: 1 }] }, 'destinations'],
    ['11 destinations', { destinations: Array.from({ length: 11 }, (_, i) => ({ url: `https://example.com/${i}`, weight: 1 })) }, 'destinations'],
    ['weight 0', { destinations: [{ url: 'https://example.com/a', weight: 0 }, { url: 'https://example.com/b', weight: 1 }] }, 'destinations[0].weight'],
    ['weight 1.5', { destinations: [{ url: 'https://example.com/a', weight: 1 }, { url: 'https://example.com/b', weight: 1.5 }] }, 'destinations[1].weight'],
    ['an unknown condition type', rule([ios, { type: 'city', value: 'Berlin' }]), 'rules[0].conditions[1].type'],
    ['a condition without a type', rule([{ value: 'ios' }]), 'rules[0].conditions[0].type'],
    ['a bad device value', rule([{ type: 'device', value: 'phone' }]), 'rules[0].conditions[0].value'],
    ['a member of another type', rule([{ type: 'device', value: 'ios', name: 'x' }]), 'rules[0].conditions[0].name'],
    ['a bad language tag', rule([{ type: 'language', value: 'en_GB' }]), 'rules[0].conditions[0].value'],
    ['a three-letter country', rule([{ type: 'country', value: 'DEU' }]), 'rules[0].conditions[0].value'],
    ['a CIDR prefix too long', rule([{ type: 'ip', value: '10.0.0.0/33' }]), 'rules[0].conditions[0].value'],
    ['an address that is none', rule([ios, { type: 'ip', value: '10.0.0.256' }]), 'rules[0].conditions[1].value'],
    ['a time window with after = before', rule([{ type: 'time', after: '2030-01-01T00:00:00Z', before: '2030-01-01T00:00:00Z' }]), 'rules[0].conditions[0].before'],
    ['a time window with after > before', rule([{ type: 'time', after: '2030-01-02T00:00:00Z', before: '2030-01-01T00:00:00Z' }]), 'rules[0].conditions[0].before'],
    ['a time window with no end', rule([{ type: 'time' }]), 'rules[0].conditions[0]'],
    ['a time that is no time', rule([{ type: 'time', after: 'tomorrow' }]), 'rules[0].conditions[0].after'],
    ['a private rule url', rule([ios], 'http://127.0.0.1/'), 'rules[0].url'],
    ['a rule url looping to Kurz', rule([ios], 'http://kurz.test/abc'), 'rules[0].url'],
    ['a javascript: rule url', rule([ios], 'javascript:alert(1)'), 'rules[0].url'],
    ['a split arm looping to Kurz', { destinations: [{ url: 'https://example.com/a', weight: 1 }, { url: 'http://KURZ.test./x', weight: 1 }] }, 'destinations[1].url'],
    ['a private split arm', { destinations: [{ url: 'http://192.168.0.1/', weight: 1 }, { url: 'https://example.com/b', weight: 1 }] }, 'destinations[0].url'],
    ['an og image that is not http(s)', { og: { image: 'ftp://example.com/i.png' } }, 'og.image'],
    ['an og image that is private', { og: { title: 'x', image: 'http://10.0.0.1/i.png' } }, 'og.image'],
    ['an og field that is not one', { og: { site_name: 'x' } }, 'og.site_name'],
  ];

  test('when a rule, split or og is bad, then POST, PUT and PATCH answer 400 naming the field, and nothing changes', async () => {
    const link = await create({ url: 'https://example.com/', rules: RULES, destinations: SPLIT, og: OG });
    const count = async () => (await app().inject({ url: '/api/v1/links?limit=100', headers: eve.auth })).json().data.length;
    const links = await count();
    for (const [what, fields, field] of REFUSALS) {
      for (const [method, url] of [['POST', '/api/v1/links'], ['PUT', `/api/v1/links/${link.id}`], ['PATCH', `/api/v1/links/${link.id}`]] as const) {
        const res = await app().inject({ method, url, headers: eve.auth, payload: { url: 'https://example.com/', ...fields } });
        assert.equal(res.statusCode, 400, `${what}: ${method} → ${res.body}`);
        assert.deepEqual(fieldsOf(res), [field], `${what}: ${method} → ${res.body}`);
      }
    }
    assert.deepEqual(await read(link.id), link);
    assert.equal(await count(), links);
  });

  test('when several fields are bad, then one 400 names each of them', async () => {
    const res = await app().inject({
      method: 'POST', url: '/api/v1/links', headers: eve.auth,
      payload: {
        url: 'https://example.com/', og: { image: 'javascript:x' },
        rules: [{ conditions: [{ type: 'ip', value: '1.2.3.4/40' }], url: 'http://localhost/' }],
        destinations: [{ url: 'https://example.com/a', weight: 1 }, { url: 'http://10.1.1.1/', weight: 2 }],
      },
    });
    assert.equal(res.statusCode, 400);
    assert.deepEqual(fieldsOf(res).sort(), ['destinations[1].url', 'og.image', 'rules[0].conditions[0].value', 'rules[0].url']);
  });

  test('when a cached link gains a rule, then the next redirect follows it', async () => {
    const link = await create({ url: 'https://example.com/everyone' });
    const visit = () => app().inject({ url: `/${link.code}`, headers: { 'user-agent': IPHONE_UA } });
    assert.equal((await visit()).headers.location, 'https://example.com/everyone');
    const patched = await write('PATCH', link.id, { rules: [{ conditions: [ios], url: 'https://example.com/iphone' }] });
    assert.equal(patched.statusCode, 200, patched.body);
    assert.equal((await visit()).headers.location, 'https://example.com/iphone');
    await write('PATCH', link.id, { rules: null });
    assert.equal((await visit()).headers.location, 'https://example.com/everyone');
  });

  describe('rules/test', () => {
    let routed: LinkJson;
    let plain: LinkJson;
    const probe = (id: string, query: Record<string, string>, auth = eve.auth) =>
      app().inject({ url: `/api/v1/links/${id}/rules/test`, query, headers: auth });
    const answer = async (query: Record<string, string>, id = routed.id) => {
      const res = await probe(id, query);
      assert.equal(res.statusCode, 200, res.body);
      return res.json() as { rule: number | null; url: string | null; destinations: unknown[] };
    };
    before(async () => {
      routed = await create({ url: 'https://example.com/', rules: RULES, destinations: SPLIT });
      plain = await create({ url: 'https://example.com/plain', rules: [RULES[0]] });
    });

    test('when the user agent is an iPhone\'s, then the device:ios rule', async () => {
      assert.deepEqual(await answer({ ua: IPHONE_UA, lang: 'de' }), { rule: 0, url: 'https://example.com/ios', destinations: [] });
    });

    test('when the language is asked, then q-values and primary subtags count; the country only when given', async () => {
      assert.deepEqual(await answer({ ua: DESKTOP_UA, lang: 'de-DE,en;q=0.5' }), { rule: 2, url: 'https://example.com/de', destinations: [] });
      assert.equal((await answer({ lang: 'de-DE,en;q=0.5', country: 'de' })).rule, 1);
      assert.equal((await answer({ lang: 'en,de;q=0' })).rule, null, 'q=0 is "not German"');
    });

    test('when ip, query or at are given, then the ip, query and time rules', async () => {
      assert.deepEqual(await answer({ ip: '10.1.2.3' }), { rule: 3, url: 'https://example.com/office', destinations: [] });
      assert.equal((await answer({ ip: '11.1.2.3' })).rule, null);
      assert.equal((await answer({ query: 'x=1&ref=mail' })).rule, 4);
      assert.equal((await answer({ query: 'ref=web' })).rule, null);
      assert.equal((await answer({ at: '2030-01-01T12:00:00Z' })).rule, 5);
      assert.equal((await answer({ at: '2030-01-02T00:00:00Z' })).rule, null, 'before is exclusive');
    });

    test('when no rule matches, then the split (url null) or, without one, the link\'s url', async () => {
      assert.deepEqual(await answer({ ua: DESKTOP_UA }), { rule: null, url: null, destinations: SPLIT });
      assert.deepEqual(await answer({ ua: DESKTOP_UA }, plain.id), { rule: null, url: 'https://example.com/plain', destinations: [] });
      assert.deepEqual(await answer({ ua: IPHONE_UA }, plain.id), { rule: 0, url: 'https://example.com/ios', destinations: [] });
    });

    test('when a parameter is bad, then 400 naming it', async () => {
      for (const [query, field] of [[{ ip: 'nope' }, 'ip'], [{ ip: '10.0.0.0/8' }, 'ip'], [{ country: 'DEU' }, 'country'], [{ at: 'tomorrow' }, 'at'], [{ what: 'x' }, 'what']] as const) {
        const res = await probe(routed.id, query);
        assert.equal(res.statusCode, 400, res.body);
        assert.deepEqual(problem(res).errors?.map((e) => e.field), [field], res.body);
      }
    });

    test('when someone else asks, then 404 as for getLink; an API key without links:read, 403', async () => {
      assert.equal((await probe(routed.id, {}, mallory.auth)).statusCode, 404);
      assert.equal((await probe('nope', {})).statusCode, 404);
      const keyed = async (scopes: string[]) => {
        const created = await app().inject({ method: 'POST', url: '/api/v1/api-keys', headers: eve.auth, payload: { name: scopes.join(' '), scopes } });
        return { authorization: `Bearer ${created.json().key as string}` };
      };
      assert.equal((await probe(routed.id, {}, await keyed(['stats:read', 'links:write']))).statusCode, 403);
      assert.equal((await probe(routed.id, { ua: IPHONE_UA }, await keyed(['links:read']))).json().rule, 0);
    });
  });

  test('when a bulk item has a bad rule url, then that item answers 400 in its slot and the others are created', async () => {
    const res = await app().inject({
      method: 'POST', url: '/api/v1/links/bulk', headers: eve.auth,
      payload: {
        links: [
          { url: 'https://example.com/1', rules: RULES, destinations: SPLIT, og: OG },
          { url: 'https://example.com/2', ...rule([ios], 'http://127.0.0.1/') },
          { url: 'https://example.com/3', ...rule([{ type: 'device', value: 'phone' }]) },
          { url: 'https://example.com/4' },
        ],
      },
    });
    assert.equal(res.statusCode, 200, res.body);
    const results = res.json().results as { status: number; link?: LinkJson; problem?: { errors?: { field: string }[] } }[];
    assert.deepEqual(results.map((r) => r.status), [201, 400, 400, 201]);
    assert.deepEqual(results[1]!.problem?.errors?.map((e) => e.field), ['rules[0].url']);
    assert.deepEqual(results[2]!.problem?.errors?.map((e) => e.field), ['rules[0].conditions[0].value']);
    assert.deepEqual(results[0]!.link?.destinations, SPLIT);
    assert.equal(results[0]!.link?.rules.length, RULES.length);
    assert.deepEqual(await read(results[0]!.link!.id), results[0]!.link);
  });
});
