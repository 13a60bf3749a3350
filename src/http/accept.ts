/**
 * Content negotiation of the one answer that has two forms: a 410 is a page for a person's browser and
 * a problem for a program. RFC 9110 §12.5.1: the most specific range that matches a type gives its q.
 */

interface Range {
  type: string;
  subtype: string;
  q: number;
}

function ranges(accept: string): Range[] {
  const out: Range[] = [];
  for (const part of accept.split(',')) {
    const [mediaRange = '', ...params] = part.split(';');
    const [type = '', subtype = ''] = mediaRange.trim().toLowerCase().split('/');
    if (!type || !subtype) continue;
    let q = 1;
    for (const param of params) {
      const [name, value] = param.split('=').map((x) => x.trim());
      if (name?.toLowerCase() === 'q') q = Number.isFinite(Number(value)) ? Math.min(1, Math.max(0, Number(value))) : 0;
    }
    out.push({ type, subtype, q });
  }
  return out;
}

/** The q an Accept header gives a media type: its most specific matching range's, 0 when none matches. */
function qualityOf(all: Range[], mediaType: string): number {
  const [type, subtype] = mediaType.split('/');
  let best = -1;
  let q = 0;
  for (const r of all) {
    const specificity = r.type === type && r.subtype === subtype ? 2 : r.type === type && r.subtype === '*' ? 1 : r.type === '*' ? 0 : -1;
    if (specificity > best) [best, q] = [specificity, r.q];
  }
  return q;
}

/**
 * Whether a client would rather have HTML than JSON: true for a browser's navigation
 * (`text/html,…,*\/*;q=0.8`), false for no Accept, `*\/*` (curl, most libraries: a tie keeps today's
 * problem+json) and anything that asks for JSON at least as much.
 */
export function prefersHtml(accept: string | undefined): boolean {
  if (!accept) return false;
  const all = ranges(accept.slice(0, 1024)); // a header of 100 KB needs no more than its start to decide
  const html = qualityOf(all, 'text/html');
  return html > 0 && html > Math.max(qualityOf(all, 'application/problem+json'), qualityOf(all, 'application/json'));
}
