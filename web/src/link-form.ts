/** A link as the edit form holds it (strings), and the PATCH body of what the user changed. */
import { withoutUtm } from '../../src/domain/utm';
import { formatTags, fromLocalInput, parseTags, toLocalInput } from './format';
import type { Link, LinkChanges, RedirectType } from './types';

/** The UTM fields of a form, as `utm_<key>` inputs: shown apart from the URL, which is shown without them. */
export const UTM_FIELDS = [
  { key: 'source', label: 'Source', hint: 'Where the visitors come from, e.g. newsletter.' },
  { key: 'medium', label: 'Medium', hint: 'The kind of channel, e.g. email or social.' },
  { key: 'campaign', label: 'Campaign', hint: 'e.g. spring_sale.' },
  { key: 'term', label: 'Term', hint: 'A paid search keyword.' },
  { key: 'content', label: 'Content', hint: 'Tells apart links to the same URL, e.g. header or footer.' },
] as const;
export type UtmKey = (typeof UTM_FIELDS)[number]['key'];
export type UtmDraft = Record<`utm_${UtmKey}`, string>;
export type Utm = NonNullable<Link['utm']>;

/** The API's field names → the form's inputs, for the errors a save may answer (utm.source → utm_source). */
export const OPTION_INPUTS: Record<string, string> = {
  expired_url: 'expired_url',
  utm: 'utm_source',
  ...Object.fromEntries(UTM_FIELDS.map(({ key }) => [`utm.${key}`, `utm_${key}`])),
};

export function utmDraftOf(utm: Link['utm']): UtmDraft {
  return Object.fromEntries(UTM_FIELDS.map(({ key }) => [`utm_${key}`, utm?.[key] ?? ''])) as UtmDraft;
}

/** The filled UTM fields as the API's `utm`; null when none is. */
export function utmOf(draft: UtmDraft): Utm | null {
  const utm: Utm = {};
  for (const { key } of UTM_FIELDS) {
    const value = draft[`utm_${key}`].trim();
    if (value) utm[key] = value;
  }
  return Object.keys(utm).length > 0 ? utm : null;
}

export interface LinkDraft extends UtmDraft {
  url: string;
  code: string;
  title: string;
  tags: string;
  expires_at: string;
  max_clicks: string;
  redirect_type: string;
  expired_url: string;
  /** The host name the short URL lives on; another one moves the link there. */
  domain: string;
  /** A new password: write-only, so always empty until typed; empty leaves the link's as it is. */
  password: string;
}

/** The API's bounds of a link password (src/http/schemas.ts). */
export const PASSWORD_MIN = 4;
export const PASSWORD_MAX = 256;

/** The password field's local check: its error, or undefined when it may be sent. */
export function passwordProblem(password: string): string | undefined {
  if (password.length < PASSWORD_MIN) return `must be at least ${PASSWORD_MIN} characters`;
  if (password.length > PASSWORD_MAX) return `must be at most ${PASSWORD_MAX} characters`;
  return undefined;
}

export function draftOf(link: Link): LinkDraft {
  return {
    // The UTM parameters have fields of their own: the URL shows the rest, so they are not shown twice.
    url: withoutUtm(link.url),
    code: link.code,
    title: link.title ?? '',
    tags: formatTags(link.tags),
    expires_at: toLocalInput(link.expires_at),
    max_clicks: link.max_clicks === null ? '' : String(link.max_clicks),
    redirect_type: String(link.redirect_type),
    password: '',
    expired_url: link.expired_url ?? '',
    ...utmDraftOf(link.utm),
    domain: link.domain,
  };
}

export type Changes = { ok: true; body: LinkChanges } | { ok: false; fields: Record<string, string> };

/**
 * Only the fields that differ from the saved link: sending an unchanged code or a re-rounded expiry
 * would be a change the user never made. Empty title, expiry and max clicks mean "none" (null). A
 * typed password is a new one; removing it is its own action (the edit page's Remove), never an empty field.
 */
export function changesOf(saved: Link, draft: LinkDraft): Changes {
  const before = draftOf(saved);
  const body: LinkChanges = {};
  const fields: Record<string, string> = {};
  const urlChanged = draft.url.trim() !== before.url;
  if (urlChanged) body.url = draft.url.trim();
  // The API merges utm into the url sent (or the stored one): a new URL takes the UTM fields along, or
  // it would lose them; a URL typed with utm_ parameters and no UTM fields keeps its own.
  const utm = utmOf(draft);
  const hadUtm = saved.utm !== null && Object.keys(saved.utm).length > 0;
  if (JSON.stringify(utm) !== JSON.stringify(utmOf(before)) || (urlChanged && (utm !== null || hadUtm))) body.utm = utm;
  if (draft.expired_url.trim() !== before.expired_url) body.expired_url = draft.expired_url.trim() || null;
  if (draft.code.trim() !== before.code) body.code = draft.code.trim();
  if (draft.title.trim() !== before.title) body.title = draft.title.trim() || null;
  if (formatTags(parseTags(draft.tags)) !== before.tags) body.tags = parseTags(draft.tags);
  if (draft.expires_at !== before.expires_at) {
    const at = fromLocalInput(draft.expires_at);
    if (at === undefined) fields.expires_at = 'is not a valid date and time';
    else body.expires_at = at;
  }
  if (draft.max_clicks.trim() !== before.max_clicks) {
    const text = draft.max_clicks.trim();
    const n = Number(text);
    if (text && !(Number.isInteger(n) && n >= 1)) fields.max_clicks = 'must be a whole number, 1 or more';
    else body.max_clicks = text ? n : null;
  }
  if (draft.domain !== before.domain) body.domain = draft.domain;
  if (draft.redirect_type !== before.redirect_type) body.redirect_type = Number(draft.redirect_type) as RedirectType;
  // Not trimmed: spaces may be part of a password.
  if (draft.password !== '') {
    const problem = passwordProblem(draft.password);
    if (problem) fields.password = problem;
    else body.password = draft.password;
  }
  return Object.keys(fields).length ? { ok: false, fields } : { ok: true, body };
}

/** The shorten form: a URL, and the options it may open. */
export interface NewLinkDraft extends UtmDraft {
  url: string;
  expires_at: string;
  max_clicks: string;
  expired_url: string;
}

export const emptyNewLink = (): NewLinkDraft => ({ url: '', expires_at: '', max_clicks: '', expired_url: '', ...utmDraftOf(null) });

export type Creation = { ok: true; body: LinkChanges & { url: string } } | { ok: false; fields: Record<string, string> };

/** The POST body of the shorten form: what is filled in; an empty option is left out (its default). */
export function creationOf(draft: NewLinkDraft): Creation {
  const body: LinkChanges & { url: string } = { url: draft.url.trim() };
  const fields: Record<string, string> = {};
  if (draft.expires_at) {
    const at = fromLocalInput(draft.expires_at);
    if (!at) fields.expires_at = 'is not a valid date and time';
    else body.expires_at = at;
  }
  const clicks = draft.max_clicks.trim();
  if (clicks) {
    const n = Number(clicks);
    if (!(Number.isInteger(n) && n >= 1)) fields.max_clicks = 'must be a whole number, 1 or more';
    else body.max_clicks = n;
  }
  if (draft.expired_url.trim()) body.expired_url = draft.expired_url.trim();
  const utm = utmOf(draft);
  if (utm) body.utm = utm;
  return Object.keys(fields).length ? { ok: false, fields } : { ok: true, body };
}
