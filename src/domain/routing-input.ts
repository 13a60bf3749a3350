/**
 * A link's routing and preview fields as a client sends them, checked and normalised for the store:
 * what a schema cannot say (a URL's safety, an address block, a time window's order), and the forms
 * the redirect relies on (none is null, never an empty list; a country upper-case). Every problem is
 * reported at once, each naming its field as validation names fields (`rules[3].url`).
 */
import { AppError, type FieldError } from './errors.js';
import { assertSafeUrl, type UrlPolicy } from './url-safety.js';
import {
  ipProblem, MAX_CONDITIONS, MAX_DESTINATIONS, MAX_RULES, MIN_DESTINATIONS, type Condition, type Destination, type OpenGraph, type Rule,
} from './routing.js';

/** The three fields; absent (undefined) means "leave as is" and passes through, null means none. */
export interface RoutingFields {
  rules?: readonly Rule[] | null;
  destinations?: readonly Destination[] | null;
  og?: OpenGraph | null;
}

/** What the store keeps: each field null when none, undefined when it was not given. */
export interface NormalRouting {
  rules?: Rule[] | null;
  destinations?: Destination[] | null;
  og?: OpenGraph | null;
}

export const MAX_WEIGHT = 1000;

/** A field's name as validation names it: `rules[0].conditions[2].value`. */
export const fieldName = (...parts: readonly (string | number)[]): string =>
  parts.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');

/** Checks and normalises the fields given; throws one 400 naming every field that is wrong. */
export function normalizeRouting(input: RoutingFields, policy: UrlPolicy): NormalRouting {
  const errors: FieldError[] = [];
  const url = (raw: string, field: string): string => {
    try {
      return assertSafeUrl(raw, policy, field);
    } catch (err) {
      if (!(err instanceof AppError) || !err.errors) throw err;
      errors.push(...err.errors);
      return raw;
    }
  };
  const out: NormalRouting = {
    rules: input.rules === undefined ? undefined : rulesOf(input.rules, url, errors),
    destinations: input.destinations === undefined ? undefined : destinationsOf(input.destinations, url, errors),
    og: input.og === undefined ? undefined : ogOf(input.og, url),
  };
  if (errors.length > 0) throw new AppError('validation', errors.map((e) => `${e.field} ${e.message}`).join('; '), errors);
  return out;
}

type UrlCheck = (raw: string, field: string) => string;

function rulesOf(rules: readonly Rule[] | null, url: UrlCheck, errors: FieldError[]): Rule[] | null {
  if (rules === null || rules.length === 0) return null;
  if (rules.length > MAX_RULES) {
    errors.push({ field: 'rules', message: `must have at most ${MAX_RULES} rules` });
    return null;
  }
  return rules.map((rule, i) => {
    const { conditions } = rule;
    if (conditions.length === 0 || conditions.length > MAX_CONDITIONS) {
      errors.push({ field: fieldName('rules', i, 'conditions'), message: `must have 1 to ${MAX_CONDITIONS} conditions` });
    }
    return {
      conditions: conditions.map((c, j) => conditionOf(c, (...parts) => fieldName('rules', i, 'conditions', j, ...parts), errors)),
      url: url(rule.url, fieldName('rules', i, 'url')),
    };
  });
}

/** A condition with exactly its type's members (a country upper-case); a bad one adds its errors. */
function conditionOf(c: Condition, field: (...parts: string[]) => string, errors: FieldError[]): Condition {
  switch (c.type) {
    case 'ip': {
      const problem = ipProblem(c.value);
      if (problem) errors.push({ field: field('value'), message: problem });
      return { type: c.type, value: c.value };
    }
    case 'country':
      return { type: c.type, value: c.value.toUpperCase() };
    case 'query':
      return c.value === undefined ? { type: c.type, name: c.name } : { type: c.type, name: c.name, value: c.value };
    case 'time': {
      const { after, before } = c;
      if (after === undefined && before === undefined) errors.push({ field: field(), message: 'needs after, before or both' });
      else if (after !== undefined && before !== undefined && after >= before) errors.push({ field: field('before'), message: 'must be later than after' });
      return { type: c.type, ...(after !== undefined && { after }), ...(before !== undefined && { before }) };
    }
    default:
      return { type: c.type, value: c.value } as Condition;
  }
}

function destinationsOf(destinations: readonly Destination[] | null, url: UrlCheck, errors: FieldError[]): Destination[] | null {
  if (destinations === null || destinations.length === 0) return null;
  if (destinations.length < MIN_DESTINATIONS || destinations.length > MAX_DESTINATIONS) {
    errors.push({ field: 'destinations', message: `must have ${MIN_DESTINATIONS} to ${MAX_DESTINATIONS} URLs, or none` });
  }
  return destinations.map((d, i) => {
    if (!Number.isInteger(d.weight) || d.weight < 1 || d.weight > MAX_WEIGHT) {
      errors.push({ field: fieldName('destinations', i, 'weight'), message: `must be a whole number from 1 to ${MAX_WEIGHT}` });
    }
    return { url: url(d.url, fieldName('destinations', i, 'url')), weight: d.weight };
  });
}

/** The fields given, the image's URL checked like a link's; none of them is null. */
function ogOf(og: OpenGraph | null, url: UrlCheck): OpenGraph | null {
  if (og === null) return null;
  const { title, description, image } = og;
  if (title === undefined && description === undefined && image === undefined) return null;
  return {
    ...(title !== undefined && { title }),
    ...(description !== undefined && { description }),
    ...(image !== undefined && { image: url(image, fieldName('og', 'image')) }),
  };
}
