import type { ClickEvent } from '../../domain/clicks.js';

/** The consumer group every consumer of the click stream reads in. */
export const GROUP = 'kurz-click-workers';

/** Clicks per stream entry: one XADD carries the clicks of one event-loop turn, up to this many. */
export const ENTRY_CLICKS = 100;

/**
 * An entry's clicks: an array of events sharing a key, or (entries written before keys were per entry) one event keyed by its id.
 * A click of a traced request carries its `trace` (a W3C traceparent) in the entry: the consumer's span applying it continues that trace.
 */
export function eventsOf(json: string): ClickEvent[] {
  const parsed = JSON.parse(json) as ClickEvent[] | (ClickEvent & { id?: string });
  if (Array.isArray(parsed)) return parsed;
  const { id, ...event } = parsed;
  return [{ ...event, key: event.key ?? id }];
}

/** Orders two stream ids (`<ms>-<seq>`): negative when a comes first. */
export function compareIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(Number) as [number, number];
  const [bm, bs] = b.split('-').map(Number) as [number, number];
  return am - bm || as - bs;
}
