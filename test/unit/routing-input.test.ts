import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldName, normalizeRouting } from '../../src/domain/routing-input.js';
import { AppError } from '../../src/domain/errors.js';
import type { UrlPolicy } from '../../src/domain/url-safety.js';
import type { Condition, Rule } from '../../src/domain/routing.js';

const policy: UrlPolicy = { ownHost: 'kurz.test', domains: () => ['go.example.org'], blockedDomains: ['evil.example'], allowPrivate: false };
const rule = (conditions: Condition[], url = 'https://example.com/r'): Rule => ({ conditions, url });
const ios: Condition = { type: 'device', value: 'ios' };

/** The fields a refusal names, each once. */
function refused(run: () => unknown): string[] {
  try {
    run();
  } catch (err) {
    assert.ok(err instanceof AppError && err.kind === 'validation', String(err));
    return [...new Set(err.errors?.map((e) => e.field))];
  }
  assert.fail('expected a 400');
}

describe('normalizeRouting', () => {
  test('when a field is absent, then it stays absent (a PATCH leaves it); null and empty are null', () => {
    assert.deepEqual(normalizeRouting({}, policy), { rules: undefined, destinations: undefined, og: undefined });
    assert.deepEqual(normalizeRouting({ rules: [], destinations: [], og: {} }, policy), { rules: null, destinations: null, og: null });
    assert.deepEqual(normalizeRouting({ rules: null, destinations: null, og: null }, policy), { rules: null, destinations: null, og: null });
  });

  test('when URLs are spelled otherwise, then they are stored normalised; a country upper-case; only its type\'s members kept', () => {
    const out = normalizeRouting({
      rules: [rule([
        { type: 'country', value: 'de' }, { type: 'query', name: 'ref', value: undefined },
        { type: 'time', after: 5, before: undefined }, { type: 'os', value: 'iOS', extra: 1 } as Condition,
      ], 'HTTPS://Example.com/ü')],
      destinations: [{ url: 'https://EXAMPLE.com', weight: 1 }, { url: 'https://example.com/b', weight: 1000 }],
      og: { title: 'T', image: 'https://CDN.example.com/x.png' },
    }, policy);
    assert.deepEqual(out.rules, [rule([
      { type: 'country', value: 'DE' }, { type: 'query', name: 'ref' }, { type: 'time', after: 5 }, { type: 'os', value: 'iOS' },
    ], 'https://example.com/%C3%BC')]);
    assert.deepEqual(Object.keys(out.rules![0]!.conditions[1]!), ['type', 'name'], 'no value key at all: "present" is not "equals undefined"');
    assert.deepEqual(out.destinations, [{ url: 'https://example.com/', weight: 1 }, { url: 'https://example.com/b', weight: 1000 }]);
    assert.deepEqual(out.og, { title: 'T', image: 'https://cdn.example.com/x.png' });
  });

  test('when a URL is unsafe anywhere, then 400 naming where: scheme, loop to Kurz or a domain of it, blocklist, private address', () => {
    assert.deepEqual(refused(() => normalizeRouting({ rules: [rule([ios]), rule([ios], 'javascript:alert(1)')] }, policy)), ['rules[1].url']);
    assert.deepEqual(refused(() => normalizeRouting({ rules: [rule([ios], 'https://go.example.org/x')] }, policy)), ['rules[0].url']);
    assert.deepEqual(refused(() => normalizeRouting({ rules: [rule([ios], 'http://[::ffff:7f00:1]/')] }, policy)), ['rules[0].url']);
    assert.deepEqual(refused(() => normalizeRouting({
      destinations: [{ url: 'https://a.evil.example/', weight: 1 }, { url: 'http://kurz.test:8080/x', weight: 1 }],
    }, policy)), ['destinations[0].url', 'destinations[1].url']);
    assert.deepEqual(refused(() => normalizeRouting({ og: { image: 'data:image/png;base64,AAAA' } }, policy)), ['og.image']);
    assert.deepEqual(normalizeRouting({ rules: [rule([ios], 'http://10.0.0.1/')] }, { ...policy, allowPrivate: true }).rules?.[0]?.url, 'http://10.0.0.1/');
  });

  test('when conditions are bad in ways a schema cannot see, then each is named: an address block, a time window', () => {
    assert.deepEqual(refused(() => normalizeRouting({
      rules: [
        rule([ios, { type: 'ip', value: '10.0.0.0/33' }]),
        rule([{ type: 'ip', value: '2001:db8::/129' }, { type: 'ip', value: 'example.com' }]),
        rule([{ type: 'time', after: 10, before: 10 }, { type: 'time' }]),
      ],
    }, policy)), ['rules[0].conditions[1].value', 'rules[1].conditions[0].value', 'rules[1].conditions[1].value', 'rules[2].conditions[0].before', 'rules[2].conditions[1]']);
    const fine = normalizeRouting({ rules: [rule([{ type: 'ip', value: '2001:db8::/32' }, { type: 'ip', value: '203.0.113.7' }, { type: 'time', before: 1 }])] }, policy);
    assert.equal(fine.rules?.[0]?.conditions.length, 3);
  });

  test('when counts are out of bounds, then 400: 33 rules, 0 or 9 conditions, 1 or 11 arms, a weight of 0 or 1001', () => {
    assert.deepEqual(refused(() => normalizeRouting({ rules: Array.from({ length: 33 }, () => rule([ios])) }, policy)), ['rules']);
    assert.equal(normalizeRouting({ rules: Array.from({ length: 32 }, () => rule(Array.from({ length: 8 }, () => ios))) }, policy).rules?.length, 32);
    assert.deepEqual(refused(() => normalizeRouting({ rules: [rule([]), rule(Array.from({ length: 9 }, () => ios))] }, policy)), ['rules[0].conditions', 'rules[1].conditions']);
    const arm = (weight = 1) => ({ url: 'https://example.com/', weight });
    assert.deepEqual(refused(() => normalizeRouting({ destinations: [arm()] }, policy)), ['destinations']);
    assert.deepEqual(refused(() => normalizeRouting({ destinations: Array.from({ length: 11 }, () => arm()) }, policy)), ['destinations']);
    assert.equal(normalizeRouting({ destinations: Array.from({ length: 10 }, () => arm()) }, policy).destinations?.length, 10);
    assert.deepEqual(refused(() => normalizeRouting({ destinations: [arm(0), arm(1001), arm(2.5)] }, policy)), ['destinations[0].weight', 'destinations[1].weight', 'destinations[2].weight']);
  });

  test('when a field is named, then as validation names fields', () => {
    assert.equal(fieldName('rules', 3, 'conditions', 0, 'value'), 'rules[3].conditions[0].value');
    assert.equal(fieldName('og', 'image'), 'og.image');
    assert.equal(fieldName('destinations'), 'destinations');
  });
});
