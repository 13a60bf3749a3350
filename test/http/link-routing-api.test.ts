import { before, test } from 'node:test';
import assert from 'node:assert/strict';
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

type LinkJson = { id: string; code: string; url: string; title: string | null; rules: unknown[]; destinations: unknown[]; og: unknown; updated_at: string };

describeEachDialect('link routing API: rules, destinations, og and rules/test', ({ app, t }) => {
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
});
