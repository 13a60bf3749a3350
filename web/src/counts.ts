/** Counts as the dashboard writes them, and a link's clicks with those it brought from another shortener. */
import type { Link } from './types.js';

/** A count as people write it: 3,400. One locale for every reader, as the tests read the page too. */
export const formatCount = (n: number): string => n.toLocaleString('en');

/**
 * "12 clicks", and "12 clicks · 3,400 before import" for a link that came with the visits another
 * shortener counted: Kurz's own clicks and those stay apart, as the stats cover only Kurz's.
 */
export function clicksText(link: Pick<Link, 'clicks' | 'imported_clicks'>): string {
  const own = `${formatCount(link.clicks)} ${link.clicks === 1 ? 'click' : 'clicks'}`;
  return link.imported_clicks > 0 ? `${own} · ${formatCount(link.imported_clicks)} before import` : own;
}
