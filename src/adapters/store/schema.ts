/** Row types of the tables, as Kysely sees them. Times are epoch milliseconds (bigint on PostgreSQL). */
import type { Generated } from 'kysely';

export interface Database {
  users: {
    id: string;
    email: string;
    name: string | null;
    role: string;
    password_hash: string;
    created_at: number;
    updated_at: number;
  };
  /** One row, claimed by the first sign-up: that user becomes admin, and no race can make two. */
  first_admin: { id: number; user_id: string };
  refresh_tokens: {
    id: string;
    user_id: string;
    family_id: string;
    token_hash: string;
    created_at: number;
    expires_at: number;
    used_at: number | null;
    revoked_at: number | null;
  };
  api_keys: {
    id: string;
    user_id: string;
    name: string;
    prefix: string;
    key_hash: string;
    /** Space-separated scopes (domain/scopes.ts). */
    scopes: string;
    created_at: number;
    expires_at: number | null;
    revoked_at: number | null;
  };
  domains: {
    id: string;
    hostname: string;
    root_redirect: string | null;
    not_found_redirect: string | null;
    owner_id: string | null;
    created_at: number;
    updated_at: number;
  };
  links: {
    id: string;
    /** '' for the default domain (domain/link-key.ts). */
    domain_id: Generated<string>;
    code: string;
    url: string;
    title: string | null;
    redirect_type: number;
    expires_at: number | null;
    max_clicks: number | null;
    /** Where an expired or used-up link sends visitors instead of a 410 (0007). */
    expired_url: string | null;
    /** 1: hidden from the default listing (0007); an integer, as booleans are on SQLite. */
    archived: Generated<number>;
    clicks: Generated<number>;
    /** The visit total another shortener counted before the link was imported (0011); Kurz never adds to it. */
    imported_clicks: Generated<number>;
    owner_id: string;
    /** argon2id hash of the link's password (0006); null: no password. */
    password_hash: string | null;
    /** JSON of the routing rules (0009, domain/routing.ts); null: none. */
    rules: string | null;
    /** JSON of the A/B split's arms (0009); null: none. */
    destinations: string | null;
    /** JSON of the Open Graph fields (0009); null: none. */
    og: string | null;
    created_at: number;
    updated_at: number;
  };
  link_tags: { link_id: string; tag: string };
  applied_clicks: { id: string; at: number };
  locks: { name: string };
  click_counts: {
    link_id: string;
    granularity: string;
    bucket: number;
    bot: number;
    referrer: string;
    country: string;
    browser: string;
    os: string;
    device: string;
    clicks: number;
  };
  /** Routed clicks (0010) by rule and destination; rule -1: none decided. Only links that route have rows. */
  click_routes: {
    link_id: string;
    granularity: string;
    bucket: number;
    bot: number;
    rule: number;
    destination: string;
    clicks: number;
  };
  /** Import jobs (0012); report is the JSON of an ImportReport, null while running. */
  imports: {
    id: string;
    owner_id: string;
    format: string;
    status: string;
    /** 1: nothing is written. */
    dry_run: number;
    domain: string | null;
    bytes_total: number;
    bytes_read: Generated<number>;
    rows_read: Generated<number>;
    report: string | null;
    error: string | null;
    created_at: number;
    updated_at: number;
    finished_at: number | null;
  };
  /** The first answer to a request sent with an Idempotency-Key; answer is null while it is in progress. */
  idempotency_keys: {
    user_id: string;
    key: string;
    request_hash: string;
    answer: string | null;
    created_at: number;
  };
}

/** click_counts' primary key: a count row is one combination of these. */
export const CLICK_COUNT_KEY = ['link_id', 'bucket', 'granularity', 'bot', 'referrer', 'country', 'browser', 'os', 'device'] as const;

/** click_routes' primary key: a route row is one combination of these. */
export const CLICK_ROUTE_KEY = ['link_id', 'bucket', 'granularity', 'bot', 'rule', 'destination'] as const;

/** click_routes.rule for a routed click that no rule decided (a key column holds no NULL). */
export const NO_RULE = -1;
