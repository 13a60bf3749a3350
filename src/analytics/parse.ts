import { UAParser } from 'ua-parser-js';
import { isbot } from 'isbot';
import { LRUCache } from 'lru-cache';
import { DIRECT, UNKNOWN, type ClickEvent, type ParsedClick } from '../domain/clicks.js';

type Agent = Pick<ParsedClick, 'bot' | 'browser' | 'os' | 'device'>;

/** Traffic comes from a few thousand distinct user agents, and parsing one takes tens of microseconds. */
const agents = new LRUCache<string, Agent>({ max: 5_000 });

/** Browser, OS, device type and bot-ness of a user agent (ua-parser-js, isbot), remembered per string. */
export function describeAgent(ua: string | null): Agent {
  if (!ua) return { bot: false, browser: UNKNOWN, os: UNKNOWN, device: UNKNOWN };
  let agent = agents.get(ua);
  if (!agent) agents.set(ua, (agent = parseAgent(ua)));
  return agent;
}

function parseAgent(ua: string): Agent {
  const { browser, os, device } = new UAParser(ua).getResult();
  const bot = isbot(ua);
  return {
    bot,
    browser: browser.name ?? UNKNOWN,
    os: os.name ?? UNKNOWN,
    // ua-parser-js names only the special devices; a browser it cannot place is a desktop one.
    device: bot ? 'bot' : (device.type ?? 'desktop'),
  };
}

export function parseClick(event: ClickEvent, n = 1): ParsedClick {
  return {
    n,
    key: event.key,
    linkId: event.linkId,
    at: event.at,
    counted: event.counted,
    referrer: event.referrer ?? DIRECT,
    country: event.country ?? UNKNOWN,
    ...describeAgent(event.ua),
    // Only a routed visit carries its route: the unrouted ones stay as small as before on the thread boundary.
    ...(event.destination != null && { destination: event.destination, rule: event.rule ?? null }),
  };
}
