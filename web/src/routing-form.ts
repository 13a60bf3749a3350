/**
 * A link's routing rules, A/B split and Open Graph fields as the edit form holds them (strings, with
 * keys that follow a rule when it moves), the PATCH fields of what changed, and where the API's errors
 * about them go (`rules[0].url` or `rules/0/url` → the input `rules.0.url`).
 */
// '.js': test/unit/routing-form.test.ts imports this file, and the server's tsconfig (NodeNext) checks it then.
import type { Condition, ConditionType, Destination, Device, Link, OpenGraph, RoutingRule } from './types.js';

/** The API's limits (src/domain/routing.ts): the editor disables "add" at them. */
export const MAX_RULES = 32;
export const MAX_CONDITIONS = 8;
export const MIN_DESTINATIONS = 2;
export const MAX_DESTINATIONS = 10;
export const MAX_WEIGHT = 1000;

export const CONDITION_TYPES: readonly { type: ConditionType; label: string }[] = [
  { type: 'device', label: 'Device' },
  { type: 'os', label: 'Operating system' },
  { type: 'browser', label: 'Browser' },
  { type: 'language', label: 'Language' },
  { type: 'country', label: 'Country' },
  { type: 'query', label: 'Query parameter' },
  { type: 'ip', label: 'IP address or block' },
  { type: 'time', label: 'Time window' },
];

export const DEVICES: readonly { value: Device; label: string }[] = [
  { value: 'ios', label: 'iOS (iPhone, iPad)' },
  { value: 'android', label: 'Android' },
  { value: 'mobile', label: 'Any phone' },
  { value: 'tablet', label: 'Any tablet' },
  { value: 'desktop', label: 'Desktop' },
  { value: 'bot', label: 'Bot' },
];

export interface ConditionDraft {
  /** Stable across edits and moves, for the list's keys and ids. */
  key: number;
  type: ConditionType;
  /** The value of every type but query's name and time's window; query's optional value too. */
  value: string;
  /** A query condition's parameter name. */
  name: string;
  /** A time window's ends, as <input type="datetime-local"> values read as UTC. */
  after: string;
  before: string;
}

export interface RuleDraft {
  key: number;
  conditions: ConditionDraft[];
  url: string;
}

export interface DestinationDraft {
  key: number;
  url: string;
  weight: string;
}

export interface OgDraft {
  title: string;
  description: string;
  image: string;
}

export interface RoutingDraft {
  rules: RuleDraft[];
  destinations: DestinationDraft[];
  og: OgDraft;
}

let nextKey = 1;
const key = () => nextKey++;

export const emptyCondition = (type: ConditionType = 'device'): ConditionDraft =>
  ({ key: key(), type, value: type === 'device' ? 'ios' : '', name: '', after: '', before: '' });
export const emptyRule = (): RuleDraft => ({ key: key(), conditions: [emptyCondition()], url: '' });
export const emptyDestination = (weight = '50'): DestinationDraft => ({ key: key(), url: '', weight });

/** RFC 3339 → a datetime-local value in UTC (the rules' clock), to the minute. */
export function toUtcInput(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString().slice(0, 16);
}

/** A datetime-local value read as UTC → RFC 3339; '' → null; undefined when it is no date. */
export function fromUtcInput(value: string): string | null | undefined {
  if (!value) return null;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value)) return undefined;
  const d = new Date(`${value}Z`);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

function conditionDraftOf(c: Condition): ConditionDraft {
  const draft = emptyCondition(c.type);
  if (c.type === 'query') return { ...draft, name: c.name, value: c.value ?? '' };
  if (c.type === 'time') return { ...draft, after: toUtcInput(c.after), before: toUtcInput(c.before) };
  return { ...draft, value: c.value };
}

export function routingDraftOf(link: Pick<Link, 'rules' | 'destinations' | 'og'>): RoutingDraft {
  return {
    rules: link.rules.map((r) => ({ key: key(), conditions: r.conditions.map(conditionDraftOf), url: r.url })),
    destinations: link.destinations.map((d) => ({ key: key(), url: d.url, weight: String(d.weight) })),
    og: { title: link.og?.title ?? '', description: link.og?.description ?? '', image: link.og?.image ?? '' },
  };
}

/** The input names of a draft's fields: what the API's errors and the local checks are shown under. */
export const ruleInput = (i: number, field: 'url') => `rules.${i}.${field}`;
export const conditionInput = (i: number, j: number, field: 'type' | 'value' | 'name' | 'after' | 'before') => `rules.${i}.conditions.${j}.${field}`;
export const destinationInput = (i: number, field: 'url' | 'weight') => `destinations.${i}.${field}`;

type Problems = Record<string, string>;

function conditionOf(c: ConditionDraft, input: (field: 'value' | 'name' | 'after' | 'before') => string, problems: Problems): Condition {
  switch (c.type) {
    case 'device':
      return { type: 'device', value: c.value as Device };
    case 'query': {
      const name = c.name.trim();
      if (!name) problems[input('name')] = 'needs the parameter\'s name';
      // Empty: the parameter only has to be there. Not trimmed: the value is compared as sent.
      return c.value === '' ? { type: 'query', name } : { type: 'query', name, value: c.value };
    }
    case 'time': {
      const after = fromUtcInput(c.after);
      const before = fromUtcInput(c.before);
      if (after === undefined) problems[input('after')] = 'is not a valid date and time';
      if (before === undefined) problems[input('before')] = 'is not a valid date and time';
      if (after === null && before === null) problems[input('after')] = 'needs a start, an end or both';
      else if (after && before && after >= before) problems[input('before')] = 'must be later than the start';
      return { type: 'time', ...(after && { after }), ...(before && { before }) };
    }
    default: {
      const value = c.value.trim();
      if (!value) problems[input('value')] = 'needs a value';
      return { type: c.type, value };
    }
  }
}

function rulesOf(rules: RuleDraft[], problems: Problems): RoutingRule[] {
  return rules.map((r, i) => ({
    conditions: r.conditions.map((c, j) => conditionOf(c, (field) => conditionInput(i, j, field), problems)),
    url: r.url.trim(),
  }));
}

function destinationsOf(destinations: DestinationDraft[], problems: Problems): Destination[] {
  if (destinations.length === 1) problems[destinationInput(0, 'url')] = `an A/B split needs ${MIN_DESTINATIONS} to ${MAX_DESTINATIONS} URLs; remove it to have none`;
  return destinations.map((d, i) => {
    const weight = Number(d.weight.trim());
    if (!(Number.isInteger(weight) && weight >= 1 && weight <= MAX_WEIGHT)) problems[destinationInput(i, 'weight')] = `must be a whole number from 1 to ${MAX_WEIGHT}`;
    return { url: d.url.trim(), weight };
  });
}

function ogOf(og: OgDraft): OpenGraph | null {
  const out: OpenGraph = {};
  if (og.title.trim()) out.title = og.title.trim();
  if (og.description.trim()) out.description = og.description.trim();
  if (og.image.trim()) out.image = og.image.trim();
  return Object.keys(out).length > 0 ? out : null;
}

export interface RoutingFields {
  rules?: RoutingRule[] | null;
  destinations?: Destination[] | null;
  og?: OpenGraph | null;
}

export type RoutingChanges = { ok: true; body: RoutingFields } | { ok: false; fields: Problems };

/**
 * The routing fields that differ from the saved link (compared after the same conversion, so a saved
 * value shown and left alone is never sent); none is null. A local problem names its input.
 */
export function routingChangesOf(saved: Pick<Link, 'rules' | 'destinations' | 'og'>, draft: RoutingDraft): RoutingChanges {
  const fields: Problems = {};
  const before = routingDraftOf(saved);
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const body: RoutingFields = {};
  const rules = rulesOf(draft.rules, fields);
  if (!same(rules, rulesOf(before.rules, {}))) body.rules = rules.length > 0 ? rules : null;
  const destinations = destinationsOf(draft.destinations, fields);
  if (!same(destinations, destinationsOf(before.destinations, {}))) body.destinations = destinations.length > 0 ? destinations : null;
  const og = ogOf(draft.og);
  if (!same(og, ogOf(before.og))) body.og = og;
  return Object.keys(fields).length > 0 ? { ok: false, fields } : { ok: true, body };
}

/** Each arm's share of the visits, in percent (0 for all when a weight is not a positive number). */
export function shares(destinations: readonly Pick<DestinationDraft, 'weight'>[]): number[] {
  const weights = destinations.map((d) => {
    const w = Number(d.weight);
    return Number.isFinite(w) && w > 0 ? w : 0;
  });
  const total = weights.reduce((a, b) => a + b, 0);
  return weights.map((w) => (total > 0 ? (w / total) * 100 : 0));
}

/** "33.3 %": one decimal, none when whole. */
export const formatShare = (percent: number): string => `${Number(percent.toFixed(1))} %`;

/**
 * The input an API error about routing belongs under, or undefined when it is not about routing.
 * Validation names fields `rules[0].conditions[2].value`, the contract `rules/0/conditions/2/value`:
 * both become `rules.0.conditions.2.value`. An error about a whole rule, condition or list goes to
 * its first input, so that it is shown, and focused, next to what it is about.
 */
export function routingInputOf(field: string, draft: RoutingDraft): string | undefined {
  const path = field.replace(/\[(\d+)\]/g, '.$1').replace(/\//g, '.').replace(/^\./, '').split('.');
  const [root, ...rest] = path;
  const n = (s: string | undefined) => (s !== undefined && /^\d+$/.test(s) ? Number(s) : undefined);
  if (root === 'og') {
    const f = rest[0];
    return f === 'title' || f === 'description' || f === 'image' ? `og.${f}` : 'og.title';
  }
  if (root === 'destinations') {
    const i = n(rest[0]) ?? 0;
    if (draft.destinations.length === 0) return undefined;
    return destinationInput(Math.min(i, draft.destinations.length - 1), rest[1] === 'weight' ? 'weight' : 'url');
  }
  if (root !== 'rules') return undefined;
  const i = n(rest[0]);
  const rule = i === undefined ? draft.rules[0] : draft.rules[i];
  if (!rule) return undefined;
  const ri = i ?? 0;
  if (rest[1] !== 'conditions') return ruleInput(ri, 'url');
  const j = n(rest[2]) ?? 0;
  const condition = rule.conditions[j];
  if (!condition) return conditionInput(ri, 0, 'type');
  const f = rest[3];
  if (f === 'type' || f === 'value' || f === 'name' || f === 'after' || f === 'before') {
    if (condition.type === 'time' && (f === 'after' || f === 'before')) return conditionInput(ri, j, f);
    if (condition.type === 'query' && (f === 'name' || f === 'value')) return conditionInput(ri, j, f);
    if (condition.type !== 'time' && f === 'value') return conditionInput(ri, j, 'value');
    if (f === 'type') return conditionInput(ri, j, 'type');
  }
  // The condition as a whole (a time window without either end): its first input.
  return conditionInput(ri, j, condition.type === 'time' ? 'after' : condition.type === 'query' ? 'name' : 'value');
}
