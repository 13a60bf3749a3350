/**
 * TypeBox schemas of the API: they validate requests, serialize responses (fields not listed here,
 * such as password hashes, can never leak) and generate the OpenAPI document.
 */
import { Type, type Static, type TSchema } from 'typebox';
import { SCOPES } from '../domain/scopes.js';
import { CUSTOM_CODE, CUSTOM_CODE_RULE } from '../domain/codes.js';

const NOT_BLANK = '\\S';
/** An Idempotency-Key: 1 to 255 visible ASCII characters (no space, no control character). */
const IDEMPOTENCY_KEY = '^[\\x21-\\x7E]{1,255}$';

/** What a field that breaks a schema pattern is told, by pattern: a sentence, not the regular expression. */
export const PATTERN_MESSAGES: ReadonlyMap<string, string> = new Map([
  [CUSTOM_CODE.source, CUSTOM_CODE_RULE],
  [NOT_BLANK, 'must not be blank'],
  [IDEMPOTENCY_KEY, 'must be 1 to 255 visible ASCII characters'],
]);

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Time = Type.String({ format: 'date-time', description: 'RFC 3339 time' });
const closed = { additionalProperties: false } as const;

export const Id = Type.String({ minLength: 1, maxLength: 64, description: 'opaque id' });
export const IdParams = Type.Object({ id: Id }, closed);

export const Problem = Type.Object({
  type: Type.String(),
  title: Type.String(),
  status: Type.Integer(),
  detail: Type.String(),
  instance: Type.Optional(Type.String()),
  errors: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
}, { $id: 'Problem', description: 'RFC 9457 problem details' });

export const Page = <T extends TSchema>(item: T) =>
  Type.Object({
    data: Type.Array(item),
    next_cursor: Nullable(Type.String({ description: 'opaque; pass back as ?cursor= for the next page' })),
    has_more: Type.Boolean(),
  });

export const DEFAULT_PAGE_LIMIT = 20;
export const PageQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: DEFAULT_PAGE_LIMIT, description: 'items per page' })),
  cursor: Type.Optional(Type.String({ maxLength: 256, description: 'the next_cursor of the previous page' })),
}, closed);
export type PageQuery = Static<typeof PageQuery>;

// ── users and auth ────────────────────────────────────────────────────────────────────────────

const Role = Type.Enum(['user', 'admin']);
const Email = Type.String({ format: 'email', maxLength: 254 });
const Password = Type.String({ minLength: 8, maxLength: 256 });
const Name = Nullable(Type.String({ minLength: 1, maxLength: 100 }));

export const User = Type.Object({ id: Id, email: Type.String(), name: Nullable(Type.String()), role: Role, created_at: Time });

export const SignUpBody = Type.Object({
  email: Email, password: Password, name: Type.Optional(Name), role: Type.Optional(Role),
}, closed);
const CurrentPassword = Type.String({
  minLength: 1, maxLength: 256, description: 'the account\'s present password: needed to change password or email (except by an admin, for another account)',
});
export const UserPutBody = Type.Object({
  email: Email, name: Type.Optional(Name), password: Type.Optional(Password), role: Type.Optional(Role),
  current_password: Type.Optional(CurrentPassword),
}, closed);
export const UserPatchBody = Type.Object({
  email: Type.Optional(Email), name: Type.Optional(Name), password: Type.Optional(Password), role: Type.Optional(Role),
  current_password: Type.Optional(CurrentPassword),
}, { ...closed, minProperties: 1 });

export const TokenBody = Type.Object({
  email: Type.String({ minLength: 1, maxLength: 254 }),
  password: Type.String({ minLength: 1, maxLength: 256 }),
}, closed);
export const RefreshBody = Type.Object({ refresh_token: Type.String({ minLength: 1, maxLength: 256 }) }, closed);

export const AccessToken = Type.Object({
  access_token: Type.String(),
  token_type: Type.Literal('Bearer'),
  expires_in: Type.Integer({ description: 'seconds' }),
});
export const TokenPair = Type.Object({ ...AccessToken.properties, refresh_token: Type.String() });

const Scopes = Type.Array(Type.Enum([...SCOPES]), {
  minItems: 1, uniqueItems: true, description: 'what the key may do; left out: all three. A key never manages accounts, credentials or keys',
});
export const ApiKeyBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100 }), expires_at: Type.Optional(Nullable(Time)), scopes: Type.Optional(Scopes),
}, closed);
export const ApiKey = Type.Object({ id: Id, name: Type.String(), prefix: Type.String(), created_at: Time, expires_at: Nullable(Time), scopes: Scopes });
export const ApiKeyCreated = Type.Object({
  ...ApiKey.properties, key: Type.String({ description: 'the secret key; shown only in this response' }),
});

// ── links ─────────────────────────────────────────────────────────────────────────────────────

const RedirectType = Type.Enum([301, 302, 307, 308]);
const UtmValue = Type.String({ minLength: 1, maxLength: 200 });
const tagOptions = { minLength: 1, maxLength: 32, pattern: NOT_BLANK };
const Tag = Type.String(tagOptions);
const linkFields = {
  // No format "uri": an IRI (https://example.com/é) or a space is accepted and stored percent-encoded,
  // and the domain's reasons (loop, private address, scheme) are clearer than a format error.
  url: Type.String({ minLength: 1, maxLength: 2048, description: 'absolute http(s) URL, at most 2,048 characters as sent and once normalized (non-ASCII percent-encoded); not Kurz itself, not a private address' }),
  code: Type.String({ pattern: CUSTOM_CODE.source, description: 'custom code: 3 to 64 of A-Z a-z 0-9 _ -; a few words (api, docs …) are reserved' }),
  domain: Type.String({ minLength: 1, maxLength: 253, description: 'host name of the domain the code lives on (GET /api/v1/domains); left out: BASE_URL\'s host on create, unchanged on an edit. Codes are unique per domain' }),
  title: Nullable(Type.String({ maxLength: 200 })),
  tags: Type.Array(Tag, { maxItems: 20 }),
  expires_at: Nullable(Time),
  max_clicks: Nullable(Type.Integer({ minimum: 1, maximum: 1_000_000_000 })),
  redirect_type: RedirectType,
  password: Nullable(Type.String({
    minLength: 4, maxLength: 256, writeOnly: true,
    description: 'write-only: visitors must give it before they are redirected; null removes it (as does leaving it out of a PUT). Stored as an argon2id hash, never returned',
  })),
  expired_url: Nullable(Type.String({
    minLength: 1, maxLength: 2048,
    description: 'where visitors go (302, no click counted) once the link has expired or reached max_clicks, instead of a 410; '
      + 'checked like url. null: the 410',
  })),
  archived: Type.Boolean({ description: 'hidden from GET /links unless ?archived=true; an archived link still redirects' }),
  utm: Nullable(Type.Object({
    source: Type.Optional(UtmValue), medium: Type.Optional(UtmValue), campaign: Type.Optional(UtmValue),
    term: Type.Optional(UtmValue), content: Type.Optional(UtmValue),
  }, {
    ...closed,
    description: 'merged into url (or, in a PATCH without url, into the stored url): its utm_* parameters become exactly these, '
      + 'a key left out removes that parameter and null removes all five; other query parameters and the fragment are kept. '
      + 'The url with them must keep to 2,048 characters',
  })),
};
export const LinkBody = Type.Object({
  url: linkFields.url,
  domain: Type.Optional(linkFields.domain),
  code: Type.Optional(linkFields.code),
  title: Type.Optional(linkFields.title),
  tags: Type.Optional(linkFields.tags),
  expires_at: Type.Optional(linkFields.expires_at),
  max_clicks: Type.Optional(linkFields.max_clicks),
  redirect_type: Type.Optional(linkFields.redirect_type),
  password: Type.Optional(linkFields.password),
  expired_url: Type.Optional(linkFields.expired_url),
  archived: Type.Optional(linkFields.archived),
  utm: Type.Optional(linkFields.utm),
}, closed);
export type LinkBody = Static<typeof LinkBody>;
export const LinkPatchBody = Type.Object({ ...LinkBody.properties, url: Type.Optional(linkFields.url) }, { ...closed, minProperties: 1 });

export const Link = Type.Object({
  id: Id,
  domain: Type.String({ description: 'host name of the link\'s domain' }),
  code: Type.String(),
  short_url: Type.String({ description: 'the link\'s domain and code, with BASE_URL\'s scheme' }),
  url: Type.String(),
  title: Nullable(Type.String()),
  tags: Type.Array(Type.String()),
  redirect_type: RedirectType,
  expires_at: Nullable(Time),
  max_clicks: Nullable(Type.Integer()),
  expired_url: Nullable(Type.String()),
  archived: Type.Boolean(),
  utm: Nullable(Type.Object({
    source: Type.Optional(Type.String()), medium: Type.Optional(Type.String()), campaign: Type.Optional(Type.String()),
    term: Type.Optional(Type.String()), content: Type.Optional(Type.String()),
  }, { description: 'the utm_* parameters of url, read back from it (url shows them too); null when it has none' })),
  clicks: Type.Integer(),
  owner_id: Id,
  has_password: Type.Boolean({ description: 'whether visitors must give a password (set with `password`)' }),
  created_at: Time,
  updated_at: Time,
});

/** The optional Idempotency-Key of a creation (not closed: a request carries many other headers). */
export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({
    pattern: IDEMPOTENCY_KEY,
    description: '1 to 255 visible ASCII characters, unique per request (a UUID): the same key with the same body within 24 h answers the first answer again, with Idempotent-Replayed: true; with another body, 422; while the first is still in progress, 409. Keys are per user',
  })),
});

export const BULK_MAX_LINKS = 1_000;
const bulkLinks = { minItems: 1, maxItems: BULK_MAX_LINKS, description: '1 to 1,000 links, each as the body of POST /api/v1/links' };
/** What the document states of a bulk creation's body: every item is a LinkBody. */
export const BulkLinksBody = Type.Object({ links: Type.Array(LinkBody, bulkLinks) }, closed);
/**
 * What is checked of it before the handler: the envelope only. Each item is checked by the handler against
 * LinkBody, so that a bad item is a 400 in its own slot and the other items are still created.
 */
export const BulkLinksEnvelope = Type.Object({ links: Type.Array(Type.Unknown(), bulkLinks) }, closed);
export const BulkLinksResults = Type.Object({
  results: Type.Array(Type.Object({
    status: Type.Integer({ description: '201 when the link was created; otherwise the status POST /api/v1/links would have answered for this item alone' }),
    link: Type.Optional(Link),
    problem: Type.Optional(Type.Unsafe<Static<typeof Problem>>({ $ref: 'Problem#' })),
  }), { description: 'one per item, in the order of the request' }),
});
const ArchivedFilter = Type.Boolean({ default: false, description: 'true: only archived links; false (the default): only the others' });

export const LinkListQuery = Type.Object({
  ...PageQuery.properties,
  q: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'substring of url, code or title' })),
  tag: Type.Optional(Type.String({ ...tagOptions, description: 'only links with this tag' })),
  owner: Type.Optional(Type.Literal('all', { description: 'admins: every owner\'s links' })),
  archived: Type.Optional(ArchivedFilter),
  domain: Type.Optional(Type.String({ minLength: 1, maxLength: 253, description: 'only links on the domain with this host name' })),
}, closed);

// ── domains ───────────────────────────────────────────────────────────────────────────────────

const RedirectTarget = (what: string) => Nullable(Type.String({
  minLength: 1, maxLength: 2048, description: `${what}: an absolute http(s) URL (302), checked like a link's target; null: a 404`,
}));
const domainFields = {
  hostname: Type.String({ minLength: 1, maxLength: 253, description: 'host name only (go.example.com): no scheme, port or path; stored lower-case, an internationalised name as punycode' }),
  root_redirect: RedirectTarget('where GET / under this host goes'),
  not_found_redirect: RedirectTarget('where an unknown code under this host goes'),
  owner_id: Nullable(Type.String({ minLength: 1, maxLength: 64, description: 'the one user (besides admins) who may put links on it; null: every user may' })),
};
export const DomainBody = Type.Object({
  hostname: domainFields.hostname,
  root_redirect: Type.Optional(domainFields.root_redirect),
  not_found_redirect: Type.Optional(domainFields.not_found_redirect),
  owner_id: Type.Optional(domainFields.owner_id),
}, closed);
export const DomainPatchBody = Type.Object({ ...DomainBody.properties, hostname: Type.Optional(domainFields.hostname) }, { ...closed, minProperties: 1 });
export const Domain = Type.Object({
  id: Type.String({ description: 'opaque; `default` for BASE_URL\'s host' }),
  hostname: Type.String(),
  is_default: Type.Boolean({ description: 'BASE_URL\'s host: always there, changed only through BASE_URL' }),
  root_redirect: Nullable(Type.String()),
  not_found_redirect: Nullable(Type.String()),
  owner_id: Nullable(Id),
  created_at: Nullable(Time),
  updated_at: Nullable(Time),
});

/** A user's links: a page, archived ones apart as in GET /links. */
export const UserLinksQuery = Type.Object({ ...PageQuery.properties, archived: Type.Optional(ArchivedFilter) }, closed);

// ── stats ─────────────────────────────────────────────────────────────────────────────────────

export const StatsQuery = Type.Object({
  from: Type.Optional(Time),
  to: Type.Optional(Time),
  interval: Type.Optional(Type.Enum(['hour', 'day'], { default: 'day', description: 'width of a bucket of the series' })),
  include_bots: Type.Optional(Type.Boolean({ default: false, description: 'count clicks of known bots too' })),
}, closed);

const Breakdown = Type.Array(Type.Object({ value: Type.String(), clicks: Type.Integer() }));
export const Stats = Type.Object({
  total: Type.Integer(),
  series: Type.Array(Type.Object({ t: Time, clicks: Type.Integer() })),
  referrers: Breakdown,
  countries: Breakdown,
  browsers: Breakdown,
  os: Breakdown,
  devices: Breakdown,
  destinations: Type.Array(Type.Object({ url: Type.String(), clicks: Type.Integer() }), {
    description: 'clicks of routed visits (rules or a split) by the URL they were sent to, most first; [] for a link that never routed',
  }),
  rules: Type.Array(Type.Object({
    rule: Nullable(Type.Integer({ minimum: 0, description: 'index of the rule in the link\'s `rules`' })),
    clicks: Type.Integer(),
  }), { description: 'clicks of routed visits by the rule that decided them (null: none did: the split or the link\'s url), most first; [] for a link that never routed' }),
});
