/**
 * The API's JSON shapes, as the server's TypeBox schemas (src/http/schemas.ts) define them: snake_case,
 * times RFC 3339. Type-only imports: the schemas never reach the bundle, and a change on the server
 * that the dashboard does not follow fails `npm run typecheck`. With '.js', as the server's tsconfig
 * (NodeNext) requires when a unit test imports a file of the dashboard that uses these types.
 */
import type { Static } from 'typebox';
import type * as Schemas from '../../src/http/schemas.js';

/** RFC 9457 problem details, as every API error is sent. */
export type Problem = Static<typeof Schemas.Problem>;
export type FieldProblem = NonNullable<Problem['errors']>[number];

/** A page of any list: `data` is typed by the caller, the rest comes from the schema. */
export type Page<T> = Omit<Static<ReturnType<typeof Schemas.Page>>, 'data'> & { data: T[] };

export type User = Static<typeof Schemas.User>;
export type Role = User['role'];

export type AccessToken = Static<typeof Schemas.AccessToken>;

export type Link = Static<typeof Schemas.Link>;
export type RedirectType = Link['redirect_type'];
export const REDIRECT_TYPES: readonly RedirectType[] = [301, 302, 307, 308];

/** The writable fields of a link: POST takes `url` and any others, PATCH any non-empty subset. */
export type LinkChanges = Static<typeof Schemas.LinkPatchBody>;

/** One item's answer of POST /links/bulk: the link created, or the problem of that item. */
export type BulkResult = Static<typeof Schemas.BulkLinksResults>['results'][number];

export type ApiKey = Static<typeof Schemas.ApiKey>;
/** An API key as created: with the secret, in the creation response only, never again. */
export type ApiKeyCreated = Static<typeof Schemas.ApiKeyCreated>;

export type Stats = Static<typeof Schemas.Stats>;
export type Breakdown = Stats['referrers'][number];
export type Interval = NonNullable<Static<typeof Schemas.StatsQuery>['interval']>;

/** A host name short links can live on; `is_default` is BASE_URL's host, which only BASE_URL changes. */
export type Domain = Static<typeof Schemas.Domain>;

// ── routing (issue 16) ────────────────────────────────────────────────────────────────────────

/** An ordered routing rule: the first whose conditions all hold sends the visit to its url. */
export type RoutingRule = Link['rules'][number];
/** One test of a visit, by its type (times RFC 3339, UTC). */
export type Condition = RoutingRule['conditions'][number];
export type ConditionType = Condition['type'];
export type Device = Extract<Condition, { type: 'device' }>['value'];
/** One arm of an A/B split. */
export type Destination = Link['destinations'][number];
/** How the link unfurls for chat and social preview bots. */
export type OpenGraph = NonNullable<Link['og']>;

/** The answer of GET /links/{id}/rules/test: the rule that matched (its index) and where the visit goes. */
export type RulesTest = Static<typeof Schemas.RulesTestResult>;

// ── import (issue 17) ─────────────────────────────────────────────────────────────────────────

/** An import job of POST /imports: its progress while it runs, its report once it is done. */
export type ImportJob = Static<typeof Schemas.ImportJob>;
/** The formats an import reads: the peers' exports, and the generic CSV (Kurz's own export among them). */
export type ImportFormat = ImportJob['format'];
/** What an import did with the rows of its file, counted, with up to 10 examples of each kind in file order. */
export type ImportReport = NonNullable<ImportJob['report']>;
/** One row of a report that did not go in: where it is in the file, its code, and why. */
export type ImportExample = ImportReport['examples']['conflicts'][number];
