/**
 * TypeBox schemas of the API: they validate requests, serialize responses (fields not listed here,
 * such as password hashes, can never leak) and generate the OpenAPI document.
 */
import { Type, type Static, type TSchema } from 'typebox';
import { SCOPES } from '../domain/scopes.js';
import { CUSTOM_CODE, CUSTOM_CODE_RULE } from '../domain/codes.js';
import { IMPORT_FORMATS } from '../importers/record.js';
import { DEVICES, MAX_CONDITIONS, MAX_DESTINATIONS, MAX_RULES, MIN_DESTINATIONS } from '../domain/routing.js';

const NOT_BLANK = '\\S';
/** An Idempotency-Key: 1 to 255 visible ASCII characters (no space, no control character). */
const IDEMPOTENCY_KEY = '^[\\x21-\\x7E]{1,255}$';
/** A BCP 47-ish language tag (en, en-GB, zh-Hant-TW): letters, digits and hyphens. */
const LANGUAGE_TAG = '^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$';
/** ISO 3166-1 alpha-2, either case (stored upper-case). */
const COUNTRY_CODE = '^[A-Za-z]{2}$';

/** What a field that breaks a schema pattern is told, by pattern: a sentence, not the regular expression. */
export const PATTERN_MESSAGES: ReadonlyMap<string, string> = new Map([
  [CUSTOM_CODE.source, CUSTOM_CODE_RULE],
  [NOT_BLANK, 'must not be blank'],
  [IDEMPOTENCY_KEY, 'must be 1 to 255 visible ASCII characters'],
  [LANGUAGE_TAG, 'must be a language tag such as en or en-GB'],
  [COUNTRY_CODE, 'must be two letters (ISO 3166-1 alpha-2), such as DE'],
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

// ── routing (issue 16): the conditions of a rule, one closed object per type ─────────────────

const condition = <T extends string, P extends Record<string, TSchema>>(type: T, description: string, properties: P) =>
  Type.Object({ type: Type.Literal(type), ...properties }, { ...closed, description });
const ConditionName = Type.String({ minLength: 1, maxLength: 64 });
const conditionSchemas = [
  condition('device', 'the visitor\'s device: ios and android by the OS, mobile and tablet by the device type, desktop neither, bot a known bot', {
    value: Type.Enum([...DEVICES]),
  }),
  condition('os', 'the user agent\'s operating system (iOS, Android, Windows, Mac OS, Linux …); case ignored', { value: ConditionName }),
  condition('browser', 'the browser (Chrome, Firefox, Safari, Edge …); case ignored; Mobile Safari is Safari', { value: ConditionName }),
  condition('language', 'a language the visitor accepts (Accept-Language, q > 0): en matches en and en-GB, en-GB only en-GB', {
    value: Type.String({ minLength: 1, maxLength: 35, pattern: LANGUAGE_TAG }),
  }),
  condition('country', 'the visitor\'s country (ISO 3166-1 alpha-2), from COUNTRY_HEADER of a trusted proxy; stored upper-case', {
    value: Type.String({ minLength: 2, maxLength: 2, pattern: COUNTRY_CODE }),
  }),
  condition('query', 'a query parameter of the visited short URL: equal to value, or present when value is left out', {
    name: Type.String({ minLength: 1, maxLength: 100 }), value: Type.Optional(Type.String({ maxLength: 500 })),
  }),
  condition('ip', 'the client\'s address (as TRUST_PROXY resolves it) is this address or inside this CIDR block', {
    value: Type.String({ minLength: 1, maxLength: 64, description: 'an IPv4 or IPv6 address, or a CIDR block such as 203.0.113.0/24 or 2001:db8::/32' }),
  }),
  condition('time', 'the visit is at or after `after` and before `before` (UTC); at least one of them, after earlier than before', {
    after: Type.Optional(Time), before: Type.Optional(Time),
  }),
] as const;
/** The condition types, in the order the document lists them. */
export const CONDITION_TYPES = conditionSchemas.map((c) => c.properties.type.const);
/**
 * One condition, chosen by its `type` (Ajv's discriminator, validation.ts): a bad value is reported for
 * that type's schema alone, not for every branch of the union.
 */
const Condition = Type.Unsafe<Static<(typeof conditionSchemas)[number]>>({
  oneOf: [...conditionSchemas], discriminator: { propertyName: 'type' },
  description: 'one test of a visit, by its type',
});
/** What a field whose discriminator is missing or unknown is told, by the discriminator's property. */
export const TAG_MESSAGES: ReadonlyMap<string, string> = new Map([['type', `must be one of ${CONDITION_TYPES.join(', ')}`]]);

const RoutedUrl = (description: string) => Type.String({ minLength: 1, maxLength: 2048, description: `${description}; checked and normalized like url` });
const Rule = Type.Object({
  conditions: Type.Array(Condition, { minItems: 1, maxItems: MAX_CONDITIONS, description: `1 to ${MAX_CONDITIONS}, all of which must hold` }),
  url: RoutedUrl('where a visit that meets every condition goes'),
}, closed);
const Destination = Type.Object({
  url: RoutedUrl('one arm of the split'),
  weight: Type.Integer({ minimum: 1, maximum: 1000, description: 'the arm\'s share: weight / the sum of the weights' }),
}, closed);
const OpenGraph = Type.Object({
  title: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  description: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
  image: Type.Optional(Type.String({ minLength: 1, maxLength: 2048, description: 'absolute http(s) URL of the image; checked like url' })),
}, closed);
const RULES = `ordered routing rules: the first whose conditions all hold sends the visit to its url (at most ${MAX_RULES})`;
const DESTINATIONS = `an A/B split of the visits no rule takes: ${MIN_DESTINATIONS} to ${MAX_DESTINATIONS} URLs, each drawn in proportion to its weight; `
  + 'a visitor keeps their arm for 30 days (a cookie). url stays the link\'s main URL (lists, previews, HEAD)';
const OG = 'how the link unfurls for chat and social preview bots (Open Graph); with none of its fields, bots are redirected like anyone';

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
  rules: Nullable(Type.Array(Rule, { maxItems: MAX_RULES, description: `${RULES}. null or [] (or, in a PUT, leaving it out): none` })),
  destinations: Nullable(Type.Array(Destination, {
    maxItems: MAX_DESTINATIONS, description: `${DESTINATIONS}. null or [] (or, in a PUT, leaving it out): none`,
  })),
  og: Nullable(Type.Object(OpenGraph.properties, { ...closed, description: `${OG}. An object with none of its fields, null, or (in a PUT) leaving it out: none` })),
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
  rules: Type.Optional(linkFields.rules),
  destinations: Type.Optional(linkFields.destinations),
  og: Type.Optional(linkFields.og),
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
  rules: Type.Array(Rule, { description: `${RULES}; [] when none` }),
  destinations: Type.Array(Destination, { description: `${DESTINATIONS}; [] when none` }),
  og: Nullable(Type.Object(OpenGraph.properties, { ...closed, description: `${OG}; null when none` })),
  clicks: Type.Integer({ description: 'visits Kurz counted' }),
  imported_clicks: Type.Integer({ description: 'visits the shortener the link was imported from had counted (its historical total); 0 for a link made here' }),
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

/** What GET /links/{id}/rules/test is asked: a visit described by its raw values, each optional. */
export const RulesTestQuery = Type.Object({
  ua: Type.Optional(Type.String({ maxLength: 1024, description: 'the visitor\'s User-Agent header' })),
  lang: Type.Optional(Type.String({ maxLength: 1024, description: 'the visitor\'s Accept-Language header, such as de-DE,en;q=0.5' })),
  country: Type.Optional(Type.String({ minLength: 2, maxLength: 2, pattern: COUNTRY_CODE, description: 'the visitor\'s country (ISO 3166-1 alpha-2); left out: none known' })),
  ip: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'the client\'s IPv4 or IPv6 address' })),
  query: Type.Optional(Type.String({ maxLength: 2048, description: 'the query string of the visited short URL, such as ref=mail&x=1' })),
  at: Type.Optional(Type.String({ format: 'date-time', description: 'when the visit happens (RFC 3339); left out: now' })),
}, closed);
export const RulesTestResult = Type.Object({
  rule: Nullable(Type.Integer({ minimum: 0, description: 'the index of the first rule whose conditions all hold; null: none' })),
  url: Nullable(Type.String({ description: 'where the visit goes: the rule\'s url, or the link\'s when no rule matches and there is no split; null: the split draws one of destinations' })),
  destinations: Type.Array(Destination, { description: 'the split a visit no rule takes draws from; [] when a rule matched or the link has no split' }),
});

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

// ── imports ───────────────────────────────────────────────────────────────────────────────────

/** What POST /imports is asked besides the file. */
export const ImportQuery = Type.Object({
  from: Type.Enum([...IMPORT_FORMATS], {
    description: 'the shortener the file comes from: bitly (its CSV export, or a page of API v4 bitlinks JSON), kutt (API v2 links JSON), '
      + 'shlink (the web client\'s CSV export), yourls (yourls_url as phpMyAdmin CSV or a MySQL/MariaDB dump), csv (url, code, title, tags, created_at, expires_at, clicks)',
  }),
  domain: Type.Optional(Type.String({ minLength: 1, maxLength: 253, description: 'put every link on the domain with this host name; left out: each link on its own host when Kurz has it, else BASE_URL\'s host' })),
  dry_run: Type.Optional(Type.Boolean({ default: false, description: 'check every row and report, writing nothing' })),
}, closed);

/** The media types of an export file the import takes as its raw body. */
export const IMPORT_MEDIA_TYPES = ['text/csv', 'application/json', 'application/sql', 'text/plain', 'application/octet-stream'] as const;
/** The body of POST /imports: the file itself, read by the handler as a stream (so no schema can check it). */
export const ImportFile = Type.Unsafe<unknown>({ description: 'the export file, as the shortener wrote it (raw bytes, not a form)' });

const ImportExample = Type.Object({
  line: Type.Integer({ description: 'where the row starts in the file (JSON: the item\'s 1-based index)' }),
  code: Nullable(Type.String()),
  reason: Type.String(),
});
const Examples = (what: string) => Type.Array(ImportExample, { maxItems: 10, description: `the first ${what}, in file order` });
const rows = (what: string) => Type.Integer({ minimum: 0, description: what });
const ImportReport = Type.Object({
  read: rows('rows read'),
  imported: rows('rows that became links (in a dry run: would have)'),
  duplicates: rows('rows already there as the same link (an earlier run of the same file): skipped'),
  conflicts: rows('rows whose code another link holds, or is reserved: not imported'),
  invalid: rows('rows that cannot be a link (a bad URL, a title too long …), each with its reason'),
  skipped: rows('rows the shortener itself would not serve: expired, banned, password-protected, archived'),
  interrupted: Type.Boolean({ description: 'stopped between two batches (shutdown): importing the same file again goes on' }),
  dry_run: Type.Boolean(),
  notes: Type.Array(Type.String(), { description: 'what the counts do not say, such as links put on the default domain' }),
  examples: Type.Object({
    duplicates: Examples('duplicates'), conflicts: Examples('conflicts'), invalid: Examples('invalid rows'), skipped: Examples('skipped rows'),
  }),
});
export const ImportJob = Type.Object({
  id: Id,
  format: Type.Enum([...IMPORT_FORMATS]),
  status: Type.Enum(['running', 'done', 'failed', 'interrupted'], {
    description: 'running until done, failed (the file could not be read: see error) or interrupted (stopped, or its instance went away; importing the same file again goes on)',
  }),
  dry_run: Type.Boolean(),
  domain: Nullable(Type.String({ description: 'the host every link goes to; null: each link\'s own' })),
  bytes_total: Type.Integer({ minimum: 0 }),
  bytes_read: Type.Integer({ minimum: 0 }),
  rows_read: Type.Integer({ minimum: 0 }),
  report: Nullable(ImportReport),
  error: Nullable(Type.String({ description: 'why a failed job failed' })),
  created_at: Time,
  updated_at: Time,
  finished_at: Nullable(Time),
});
