/**
 * Routing rules and A/B splits: which destination one visit of a link gets. Pure: what a visit is
 * comes in through `VisitFacts`, whose members the edge computes lazily and at most once per request,
 * so a rule about the country never parses the user agent, and a link without routing asks nothing.
 */
import { BlockList, isIP } from 'node:net';

/** The device classes a `device` condition names. */
export const DEVICES = ['ios', 'android', 'mobile', 'tablet', 'desktop', 'bot'] as const;
export type Device = (typeof DEVICES)[number];

/** One test of a visit; a rule applies when all of its conditions hold. */
export type Condition =
  /** ios / android by the user agent's OS; mobile / tablet by its device type; desktop: neither, nor a bot. */
  | { type: 'device'; value: Device }
  /** The user agent's OS name as ua-parser-js gives it (iOS, Android, Windows, Mac OS, Linux …), case ignored. */
  | { type: 'os'; value: string }
  /** The browser's name (Chrome, Firefox, Safari, Edge …), case ignored; "Mobile Safari" is Safari too. */
  | { type: 'browser'; value: string }
  /** A language tag the visitor accepts (q > 0): `en` matches en and en-GB, `en-GB` only en-GB (and its subtags). */
  | { type: 'language'; value: string }
  /** ISO 3166-1 alpha-2, from the trusted proxy's country header. */
  | { type: 'country'; value: string }
  /** A query parameter of the visited short URL: equal to `value`, or present when `value` is absent. */
  | { type: 'query'; name: string; value?: string }
  /** The client's address (as TRUST_PROXY resolves it) is this address or inside this CIDR block. */
  | { type: 'ip'; value: string }
  /** The visit is at or after `after` and before `before` (epoch ms, UTC); either may be absent. */
  | { type: 'time'; after?: number; before?: number };

/** An ordered entry of a link's rules: the first whose conditions all hold sends the visit to its url. */
export interface Rule {
  conditions: Condition[];
  url: string;
}

/** One arm of an A/B split: visits land on it with probability weight / sum of weights. */
export interface Destination {
  url: string;
  weight: number;
}

export const MAX_RULES = 32;
export const MAX_CONDITIONS = 8;
export const MIN_DESTINATIONS = 2;
export const MAX_DESTINATIONS = 10;
/** How long a visitor keeps the arm of a split they were given: a reload must not flip the test. */
export const SPLIT_COOKIE_MAX_AGE_S = 30 * 24 * 3600;

/** What a user agent says, as the click parser describes it (analytics/parse.ts). */
export interface AgentFacts {
  bot: boolean;
  browser: string;
  os: string;
  /** ua-parser-js's device type (mobile, tablet …), 'desktop' when it names none, 'bot' for a bot. */
  device: string;
}

/** A visit as routing may ask it. The edge memoises each member: none is computed unless a condition asks. */
export interface VisitFacts {
  agent(): AgentFacts;
  /** Accepted language tags, lower-cased, q > 0, most preferred first (acceptedLanguages). */
  languages(): readonly string[];
  country(): string | null;
  /** The client's address as TRUST_PROXY resolves it. */
  ip(): string;
  /** A query parameter of the visited URL (the first of its name); undefined when absent. */
  query(name: string): string | undefined;
  /** The split cookie's value for this link, if the visitor has one. */
  splitCookie(): string | undefined;
  /** A number in [0, 1): the split's draw. */
  random(): number;
}

/** Where a visit of a routed link goes, and why. */
export interface Route {
  url: string;
  /** The index of the rule that decided, or null when none did. */
  rule: number | null;
  /** The index of the split's arm taken (no rule decided and the link has a split), or null. */
  destination: number | null;
  /** A split cookie to set (the visitor had none for this split), or undefined. */
  setSplitCookie?: string;
}

/** How a link unfurls in a chat or social preview bot; a link with none of them is redirected for bots too. */
export interface OpenGraph {
  title?: string;
  description?: string;
  /** An absolute http(s) URL of the image. */
  image?: string;
}

/** The routing a link may carry; a link without either is never routed. */
export interface Routing {
  /** Absent or null: none (an empty list is stored as null). */
  rules?: readonly Rule[] | null;
  /** Absent or null: none. */
  destinations?: readonly Destination[] | null;
}

/** Whether a link routes at all: the redirect asks nothing of a visit of a link that does not. */
export const isRouted = (link: Routing): boolean => link.rules != null || link.destinations != null;

/** The destination of one visit: the first matching rule's url, else the split's arm, else `fallback` (the link's url). */
export function route(link: Routing, fallback: string, visit: VisitFacts, now: number): Route {
  if (link.rules) {
    const compiled = compile(link.rules);
    for (let i = 0; i < compiled.length; i++) if (compiled[i]!(visit, now)) return { url: link.rules[i]!.url, rule: i, destination: null };
  }
  if (!link.destinations) return { url: fallback, rule: null, destination: null };
  return split(link.destinations, visit);
}

/** Which rule (if any) a visit matches: the rules/test endpoint's answer, with the split left out. */
export function matchRule(rules: readonly Rule[], visit: VisitFacts, now: number): number | null {
  const compiled = compile(rules);
  for (let i = 0; i < compiled.length; i++) if (compiled[i]!(visit, now)) return i;
  return null;
}

/** The split's arm: the one the visitor's cookie names while the split is unchanged, else a weighted draw (and the cookie to set). */
function split(destinations: readonly Destination[], visit: VisitFacts): Route {
  const print = fingerprint(destinations);
  const kept = visit.splitCookie();
  if (kept !== undefined) {
    const dot = kept.indexOf('.');
    const index = Number(kept.slice(0, dot));
    if (dot > 0 && kept.slice(dot + 1) === print && Number.isInteger(index) && index >= 0 && index < destinations.length) {
      return { url: destinations[index]!.url, rule: null, destination: index };
    }
  }
  const index = pickWeighted(destinations, visit.random());
  return { url: destinations[index]!.url, rule: null, destination: index, setSplitCookie: `${index}.${print}` };
}

/** The arm a draw in [0, 1) falls on, each taking a share of [0, 1) in proportion to its weight. */
export function pickWeighted(destinations: readonly Destination[], draw: number): number {
  let total = 0;
  for (const d of destinations) total += d.weight;
  let at = draw * total;
  for (let i = 0; i < destinations.length; i++) {
    at -= destinations[i]!.weight;
    if (at < 0) return i;
  }
  return destinations.length - 1;
}

/** A short hash of a split's arms (FNV-1a, base 36): a cookie given for another version of the split is drawn again. */
function fingerprint(destinations: readonly Destination[]): string {
  let h = 0x811c9dc5;
  for (const d of destinations) {
    const s = `${d.weight} ${d.url}\n`;
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  }
  return (h >>> 0).toString(36);
}

type Test = (visit: VisitFacts, now: number) => boolean;

/**
 * Rules made into functions once per rules array (a cached link keeps its array, so a hot link compiles
 * once): an `ip` condition's block list and a language's lower-cased tag are not rebuilt on every visit.
 */
const compiledRules = new WeakMap<readonly Rule[], Test[]>();

function compile(rules: readonly Rule[]): Test[] {
  let tests = compiledRules.get(rules);
  if (!tests) compiledRules.set(rules, (tests = rules.map(compileRule)));
  return tests;
}

function compileRule(rule: Rule): Test {
  const tests = rule.conditions.map(compileCondition);
  return (visit, now) => {
    for (const test of tests) if (!test(visit, now)) return false;
    return true;
  };
}

function compileCondition(c: Condition): Test {
  switch (c.type) {
    case 'device': return deviceTest(c.value);
    case 'os': {
      const os = c.value.toLowerCase();
      return (v) => v.agent().os.toLowerCase() === os;
    }
    case 'browser': {
      const browser = c.value.toLowerCase();
      return (v) => browserName(v.agent().browser) === browser;
    }
    case 'language': {
      // RFC 4647's basic filtering: a tag matches itself and the tags it prefixes (en: en-GB, en-US).
      const tag = c.value.toLowerCase();
      return (v) => v.languages().some((l) => l === tag || (l.startsWith(tag) && l[tag.length] === '-'));
    }
    case 'country': {
      const country = c.value.toUpperCase();
      return (v) => v.country() === country;
    }
    case 'query': {
      const { name, value } = c;
      return value === undefined ? (v) => v.query(name) !== undefined : (v) => v.query(name) === value;
    }
    case 'ip': {
      const block = blockOf(c.value);
      return (v) => {
        const ip = v.ip();
        const family = isIP(ip);
        return family !== 0 && block.check(ip, family === 4 ? 'ipv4' : 'ipv6');
      };
    }
    case 'time': {
      const { after, before } = c;
      return (_, now) => (after === undefined || now >= after) && (before === undefined || now < before);
    }
  }
}

function deviceTest(device: Device): Test {
  switch (device) {
    case 'ios': return (v) => v.agent().os === 'iOS';
    case 'android': return (v) => v.agent().os === 'Android';
    case 'bot': return (v) => v.agent().bot;
    case 'mobile': case 'tablet': return (v) => v.agent().device === device;
    case 'desktop': return (v) => v.agent().device === 'desktop';
  }
}

/** "Mobile Safari" → "safari", "Chrome WebView" stays itself: the name people write in a rule. */
const browserName = (name: string): string => name.toLowerCase().replace(/^mobile /, '');

/** A block list holding one address or CIDR block (validated beforehand by ipCondition). */
function blockOf(value: string): BlockList {
  const list = new BlockList();
  const [address, bits] = value.split('/') as [string, string | undefined];
  const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
  if (bits === undefined) list.addAddress(address, family);
  else list.addSubnet(address, Number(bits), family);
  return list;
}

/** Why an `ip` condition's value is not an address or CIDR block, or undefined when it is one. */
export function ipProblem(value: string): string | undefined {
  const [address, bits, extra] = value.split('/');
  const family = isIP(address ?? '');
  if (family === 0 || extra !== undefined) return 'must be an IP address or a CIDR block such as 203.0.113.0/24';
  if (bits === undefined) return undefined;
  const max = family === 4 ? 32 : 128;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= max ? undefined : `the prefix length must be 0 to ${max}`;
}

/**
 * The language tags an Accept-Language header accepts, lower-cased, most preferred first: q-values
 * honoured (q=0 means "not this one"), `*` and malformed entries dropped, at most 16 kept.
 */
export function acceptedLanguages(header: string | undefined): string[] {
  if (!header) return [];
  const tags: { tag: string; q: number; at: number }[] = [];
  const parts = header.split(',');
  for (let at = 0; at < parts.length && tags.length < 16; at++) {
    const [rawTag, ...params] = parts[at]!.split(';');
    const tag = rawTag!.trim().toLowerCase();
    if (!/^[a-z]{1,8}(-[a-z0-9]{1,8})*$/.test(tag)) continue;
    let q = 1;
    for (const p of params) {
      const m = /^\s*q\s*=\s*([01](?:\.\d{0,3})?)\s*$/i.exec(p);
      if (m) q = Number(m[1]);
    }
    if (q > 0) tags.push({ tag, q, at });
  }
  return tags.sort((a, b) => b.q - a.q || a.at - b.at).map((t) => t.tag);
}
