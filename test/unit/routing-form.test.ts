/**
 * The dashboard's routing form logic (web/src/routing-form.ts), pure: a saved link's rules, split and
 * Open Graph fields round-trip through the draft unchanged, only what changed is sent, local checks name
 * their inputs, and the API's errors land on the input they are about.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  emptyCondition, emptyDestination, emptyRule, formatShare, fromUtcInput, routingChangesOf, routingDraftOf, routingInputOf, shares, toUtcInput,
  type RoutingDraft,
} from '../../web/src/routing-form.js';
import type { Link } from '../../web/src/types.js';

type Routing = Pick<Link, 'rules' | 'destinations' | 'og'>;

const saved: Routing = {
  rules: [
    { conditions: [{ type: 'device', value: 'ios' }, { type: 'query', name: 'ref' }], url: 'https://example.com/ios' },
    { conditions: [{ type: 'time', after: '2030-01-01T10:00:00.000Z', before: '2030-01-02T00:00:00.000Z' }], url: 'https://example.com/sale' },
  ],
  destinations: [{ url: 'https://example.com/a', weight: 3 }, { url: 'https://example.com/b', weight: 1 }],
  og: { title: 'Spring sale' },
};
const none: Routing = { rules: [], destinations: [], og: null };

describe('routing form', () => {
  test('when a saved link is shown and left alone, then nothing is sent', () => {
    assert.deepEqual(routingChangesOf(saved, routingDraftOf(saved)), { ok: true, body: {} });
    assert.deepEqual(routingChangesOf(none, routingDraftOf(none)), { ok: true, body: {} });
  });

  test('when a rule is added, then all the rules are sent, a query without a value as "present", and nothing else', () => {
    const draft = routingDraftOf(saved);
    const rule = emptyRule();
    rule.conditions = [{ ...emptyCondition('language'), value: ' de ' }, { ...emptyCondition('query'), name: 'x', value: '' }];
    rule.url = ' https://example.com/de ';
    const changes = routingChangesOf(saved, { ...draft, rules: [...draft.rules, rule] });
    assert.deepEqual(changes, {
      ok: true,
      body: { rules: [...saved.rules, { conditions: [{ type: 'language', value: 'de' }, { type: 'query', name: 'x' }], url: 'https://example.com/de' }] },
    });
  });

  test('when everything is removed, then each field is sent as null (none)', () => {
    const changes = routingChangesOf(saved, { rules: [], destinations: [], og: { title: '', description: '', image: '' } });
    assert.deepEqual(changes, { ok: true, body: { rules: null, destinations: null, og: null } });
  });

  test('when values are missing or wrong, then each problem names its input and nothing is sent', () => {
    const rule = emptyRule();
    rule.conditions = [emptyCondition('country'), emptyCondition('time'), { ...emptyCondition('time'), after: '2030-01-02T00:00', before: '2030-01-01T00:00' }];
    const draft: RoutingDraft = { rules: [rule], destinations: [{ ...emptyDestination('0'), url: 'https://example.com/a' }], og: routingDraftOf(none).og };
    const changes = routingChangesOf(none, draft);
    assert.deepEqual(changes, {
      ok: false,
      fields: {
        'rules.0.conditions.0.value': 'needs a value',
        'rules.0.conditions.1.after': 'needs a start, an end or both',
        'rules.0.conditions.2.before': 'must be later than the start',
        'destinations.0.url': 'an A/B split needs 2 to 10 URLs; remove it to have none',
        'destinations.0.weight': 'must be a whole number from 1 to 1000',
      },
    });
  });

  test('when a time window is edited, then its inputs read and write UTC', () => {
    assert.equal(toUtcInput('2030-01-01T10:00:00.000Z'), '2030-01-01T10:00');
    assert.equal(fromUtcInput('2030-01-01T10:00'), '2030-01-01T10:00:00.000Z');
    assert.equal(fromUtcInput(''), null);
    assert.equal(fromUtcInput('tomorrow'), undefined);
    assert.deepEqual(routingDraftOf(saved).rules[1]!.conditions[0]!.after, '2030-01-01T10:00');
  });

  test('when weights are typed, then each arm\'s share is its weight over the sum', () => {
    assert.deepEqual(shares([{ weight: '3' }, { weight: '1' }]).map(formatShare), ['75 %', '25 %']);
    assert.deepEqual(shares([{ weight: '1' }, { weight: '1' }, { weight: '1' }]).map(formatShare), ['33.3 %', '33.3 %', '33.3 %']);
    assert.deepEqual(shares([{ weight: '' }, { weight: '-2' }]).map(formatShare), ['0 %', '0 %']);
  });

  test('when the API names a routing field, then the error goes to that input, or to the first input of what it names', () => {
    const draft = routingDraftOf(saved);
    const cases: [string, string | undefined][] = [
      ['rules[1].url', 'rules.1.url'],
      ['rules/1/url', 'rules.1.url'], // the contract's spelling
      ['rules[0].conditions[0].value', 'rules.0.conditions.0.value'],
      ['rules[0].conditions[1].type', 'rules.0.conditions.1.type'],
      ['rules[0].conditions[1]', 'rules.0.conditions.1.name'], // a query condition: its name
      ['rules[1].conditions[0]', 'rules.1.conditions.0.after'], // a time window without either end
      ['rules[1].conditions[0].before', 'rules.1.conditions.0.before'],
      ['rules[0].conditions', 'rules.0.conditions.0.value'],
      ['rules', 'rules.0.url'],
      ['rules[7].url', undefined], // no such rule in the form: the alert says it
      ['destinations[1].url', 'destinations.1.url'],
      ['destinations[0].weight', 'destinations.0.weight'],
      ['destinations', 'destinations.0.url'],
      ['og.image', 'og.image'],
      ['og', 'og.title'],
      ['url', undefined],
    ];
    for (const [field, input] of cases) assert.equal(routingInputOf(field, draft), input, field);
  });
});
