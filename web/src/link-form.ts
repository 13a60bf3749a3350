/** A link as the edit form holds it (strings), and the PATCH body of what the user changed. */
import { formatTags, fromLocalInput, parseTags, toLocalInput } from './format';
import type { Link, LinkChanges, RedirectType } from './types';

export interface LinkDraft {
  url: string;
  code: string;
  title: string;
  tags: string;
  expires_at: string;
  max_clicks: string;
  redirect_type: string;
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
    url: link.url,
    code: link.code,
    title: link.title ?? '',
    tags: formatTags(link.tags),
    expires_at: toLocalInput(link.expires_at),
    max_clicks: link.max_clicks === null ? '' : String(link.max_clicks),
    redirect_type: String(link.redirect_type),
    password: '',
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
  if (draft.url.trim() !== before.url) body.url = draft.url.trim();
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
