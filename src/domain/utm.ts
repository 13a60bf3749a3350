/**
 * UTM parameters of a link's target: merged into its query string, and read back from it. A link keeps
 * them nowhere else, so what the target URL says is what the link's `utm` is. Work on the URL's text, not
 * through URLSearchParams, which would re-encode every other parameter (`a=b%20c` → `a=b+c`) and change
 * the target people gave.
 */

/** The five parameters, in the order they are appended. */
export const UTM_KEYS = ['source', 'medium', 'campaign', 'term', 'content'] as const;
export type UtmKey = (typeof UTM_KEYS)[number];

/** Some of the five; a key left out has no utm_ parameter. */
export type Utm = Partial<Record<UtmKey, string>>;

const UTM_NAMES: ReadonlySet<string> = new Set(UTM_KEYS.map((k) => `utm_${k}`));

interface Parts {
  /** Scheme, host and path: everything before `?`. */
  base: string;
  /** `name=value` pairs as written, without the `?`. */
  params: string[];
  /** `#…` or empty. */
  fragment: string;
}

function split(url: string): Parts {
  const hash = url.indexOf('#');
  const fragment = hash === -1 ? '' : url.slice(hash);
  const beforeHash = hash === -1 ? url : url.slice(0, hash);
  const q = beforeHash.indexOf('?');
  if (q === -1) return { base: beforeHash, params: [], fragment };
  const query = beforeHash.slice(q + 1);
  return { base: beforeHash.slice(0, q), params: query === '' ? [] : query.split('&'), fragment };
}

const nameOf = (param: string): string => {
  const eq = param.indexOf('=');
  return decode(eq === -1 ? param : param.slice(0, eq));
};

/** Query-string decoding: `+` is a space (forms and analytics tools write it so); a malformed escape stays as written. */
function decode(text: string): string {
  const spaced = text.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

/**
 * The URL with its utm_* parameters replaced by `utm`'s (null or {}: removed). Every other parameter
 * keeps its place and spelling, the fragment stays last, and the new ones are appended in UTM_KEYS order.
 */
export function withUtm(url: string, utm: Utm | null): string {
  const { base, params, fragment } = split(url);
  const kept = params.filter((p) => p !== '' && !UTM_NAMES.has(nameOf(p)));
  for (const key of UTM_KEYS) {
    const value = utm?.[key];
    if (value !== undefined) kept.push(`utm_${key}=${encodeURIComponent(value)}`);
  }
  return `${base}${kept.length > 0 ? `?${kept.join('&')}` : ''}${fragment}`;
}

/** The URL without any utm_* parameter: what a form shows beside the separate UTM fields. */
export const withoutUtm = (url: string): string => withUtm(url, null);

/**
 * The utm_* parameters of a URL (the first of a repeated one), or null when it has none. An empty one
 * (`utm_term=`) is left out: the API takes 1 to 200 characters, so what is read back can be sent again.
 */
export function utmOf(url: string): Utm | null {
  let utm: Utm | null = null;
  for (const param of split(url).params) {
    const name = nameOf(param);
    if (!UTM_NAMES.has(name)) continue;
    const key = name.slice(4) as UtmKey;
    const eq = param.indexOf('=');
    const value = eq === -1 ? '' : decode(param.slice(eq + 1));
    if (value === '' || utm?.[key] !== undefined) continue;
    (utm ??= {})[key] = value;
  }
  return utm;
}
