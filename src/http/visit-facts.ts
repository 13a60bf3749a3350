import { describeAgent } from '../analytics/parse.js';
import { acceptedLanguages, type AgentFacts, type VisitFacts } from '../domain/routing.js';
import { cookieOf } from './cookies.js';
import { SPLIT_COOKIE } from './link-cookies.js';

/** What routing may ask of a visit, as raw values: a request's headers, or the rules/test endpoint's query. */
export interface VisitSource {
  /** The User-Agent header; null or undefined when absent. */
  ua: string | null | undefined;
  /** The Accept-Language header. */
  acceptLanguage: string | undefined;
  /** The visitor's country, as visitorOf resolved it (a trusted proxy's header), or null. */
  country: string | null;
  /** The client's address, asked only by an `ip` condition (TRUST_PROXY's resolution is not free). */
  ip: () => string;
  /** The query string of the visited URL, without its '?'. */
  search: string;
  /** The Cookie header. */
  cookie: string | undefined;
}

const NO_LANGUAGES: readonly string[] = [];

/**
 * Accept-Language values repeat (a browser sends the same one on every request, and a few hundred
 * cover most visitors), so each is parsed once: up to 1,000 kept, all forgotten when full (simpler
 * than an LRU, and a miss costs one parse of a short header).
 */
const parsedLanguages = new Map<string, readonly string[]>();

function languagesOf(header: string): readonly string[] {
  let tags = parsedLanguages.get(header);
  if (tags) return tags;
  if (parsedLanguages.size >= 1_000) parsedLanguages.clear();
  parsedLanguages.set(header, (tags = Object.freeze(acceptedLanguages(header))));
  return tags;
}

/**
 * VisitFacts over raw values, each member computed on its first ask and kept: a rule about the
 * country never parses the user agent, and three rules about the device parse it once (and that
 * parse is the click parser's, remembered per user-agent string).
 */
export class LazyVisit implements VisitFacts {
  #agent: AgentFacts | undefined;
  #languages: readonly string[] | undefined;
  #ip: string | undefined;
  #query: URLSearchParams | undefined;

  constructor(private readonly source: VisitSource, readonly random: () => number = Math.random) {}

  agent(): AgentFacts {
    return (this.#agent ??= describeAgent(this.source.ua ?? null));
  }

  languages(): readonly string[] {
    return (this.#languages ??= this.source.acceptLanguage ? languagesOf(this.source.acceptLanguage) : NO_LANGUAGES);
  }

  country(): string | null {
    return this.source.country;
  }

  ip(): string {
    return (this.#ip ??= this.source.ip());
  }

  query(name: string): string | undefined {
    return (this.#query ??= new URLSearchParams(this.source.search)).get(name) ?? undefined;
  }

  splitCookie(): string | undefined {
    try {
      return cookieOf(this.source.cookie, SPLIT_COOKIE);
    } catch {
      return undefined; // a value with control characters is no arm Kurz gave: draw again
    }
  }
}

/** The query string of a request URL (`/abc?x=1` → `x=1`). */
export const searchOf = (url: string): string => {
  const at = url.indexOf('?');
  return at === -1 ? '' : url.slice(at + 1);
};
