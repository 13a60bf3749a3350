/** Records → API representations: epoch ms become RFC 3339, and only public fields are copied. */
import type { ApiKeyRecord, ClickStats, DomainDirectory, DomainRecord, ImportJob, KnownDomain, LinkRecord, UserRecord } from '../ports.js';
import type { ImportReport } from '../domain/import-report.js';
import { DEFAULT_DOMAIN_ID } from '../domain/link-key.js';
import { DEFAULT_DOMAIN_PUBLIC_ID } from '../use-cases/domains.js';
import { invalid } from '../domain/errors.js';
import { decodeCursor, toPage, type Page } from '../domain/cursor.js';
import { DEFAULT_PAGE_LIMIT, type LinkBody } from './schemas.js';
import { utmOf } from '../domain/utm.js';
import type { Static } from 'typebox';
import type { Condition, Rule } from '../domain/routing.js';
import { fieldName } from '../domain/routing-input.js';

export const iso = (ms: number): string => new Date(ms).toISOString();
const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));

/** RFC 3339 → epoch ms; null and undefined pass through (PATCH tells "clear" from "leave"). */
export function epochMs<T extends null | undefined>(value: string | T, field: string): number | T {
  if (value === null || value === undefined) return value;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw invalid(field, 'must be an RFC 3339 time');
  return ms;
}

type RulesJson = NonNullable<Static<typeof LinkBody>['rules']>;
type ConditionJson = RulesJson[number]['conditions'][number];

/**
 * A body's rules for the use case: the same objects, but a time condition's `after` and `before` are
 * RFC 3339 in the API (like every time of it) and epoch ms in the domain. null and undefined pass through.
 */
export function rulesFromJson<T extends null | undefined>(rules: RulesJson | T): Rule[] | T {
  if (rules === null || rules === undefined) return rules;
  return rules.map((rule, i) => ({
    url: rule.url,
    conditions: rule.conditions.map((c, j): Condition => {
      if (c.type !== 'time') return c;
      const field = (end: string) => fieldName('rules', i, 'conditions', j, end);
      return { type: 'time', after: epochMs(c.after, field('after')), before: epochMs(c.before, field('before')) };
    }),
  }));
}

/** Stored rules as the API shows them: times RFC 3339, [] when none. */
export function rulesJson(rules: readonly Rule[] | null): RulesJson {
  if (rules === null) return [];
  return rules.map((rule) => ({
    url: rule.url,
    conditions: rule.conditions.map((c): ConditionJson => {
      if (c.type !== 'time') return c;
      return { type: 'time', ...(c.after !== undefined && { after: iso(c.after) }), ...(c.before !== undefined && { before: iso(c.before) }) };
    }),
  }));
}

export const userJson = (u: UserRecord) => ({ id: u.id, email: u.email, name: u.name, role: u.role, created_at: iso(u.createdAt) });

export const apiKeyJson = (k: ApiKeyRecord) => ({
  id: k.id, name: k.name, prefix: k.prefix, created_at: iso(k.createdAt), expires_at: isoOrNull(k.expiresAt), scopes: k.scopes,
});

/** A short URL: its domain's host with BASE_URL's scheme (the default domain's is BASE_URL itself). */
export function shortUrl(baseUrl: string): (domain: Pick<KnownDomain, 'id' | 'hostname'> | undefined, code: string) => string {
  const { protocol } = new URL(baseUrl);
  return (domain, code) => `${domain && domain.id !== DEFAULT_DOMAIN_ID ? `${protocol}//${domain.hostname}` : baseUrl}/${code}`;
}

/** A link's JSON, with its short URL (shortUrl). */
export function linkJson(baseUrl: string, domains: Pick<DomainDirectory, 'byId'>) {
  const { hostname } = new URL(baseUrl);
  const short = shortUrl(baseUrl);
  return (l: LinkRecord) => {
    const domain = l.domainId === DEFAULT_DOMAIN_ID ? undefined : domains.byId(l.domainId);
    return {
      id: l.id,
      domain: domain ? domain.hostname : hostname,
      code: l.code,
      short_url: short(domain, l.code),
      url: l.url,
      title: l.title,
      tags: l.tags,
      redirect_type: l.redirectType,
      expires_at: isoOrNull(l.expiresAt),
      max_clicks: l.maxClicks,
      expired_url: l.expiredUrl,
      archived: l.archived,
      utm: utmOf(l.url),
      rules: rulesJson(l.rules),
      destinations: l.destinations ?? [],
      og: l.og,
      clicks: l.clicks,
      imported_clicks: l.importedClicks,
      owner_id: l.ownerId,
      has_password: l.hasPassword,
      created_at: iso(l.createdAt),
      updated_at: iso(l.updatedAt),
    };
  };
}

/** A link's stats as GET /links/{id}/stats answers them: the series' times RFC 3339, the breakdowns by their API names. */
export function statsJson(stats: ClickStats) {
  const { referrer, country, browser, os, device } = stats.breakdown;
  return {
    total: stats.total,
    series: stats.series.map((p) => ({ t: iso(p.t), clicks: p.clicks })),
    referrers: referrer, countries: country, browsers: browser, os, devices: device,
    destinations: stats.destinations, rules: stats.rules,
  };
}

/** A domain's JSON; the default one has no row, so no times. */
export const domainJson = (d: DomainRecord) => {
  const isDefault = d.id === DEFAULT_DOMAIN_ID;
  return {
    id: isDefault ? DEFAULT_DOMAIN_PUBLIC_ID : d.id,
    hostname: d.hostname,
    is_default: isDefault,
    root_redirect: d.rootRedirect,
    not_found_redirect: d.notFoundRedirect,
    owner_id: d.ownerId,
    created_at: isDefault ? null : iso(d.createdAt),
    updated_at: isDefault ? null : iso(d.updatedAt),
  };
};

/** An import job's JSON, its report in snake_case. */
export const importJson = (j: ImportJob) => ({
  id: j.id,
  format: j.format,
  status: j.status,
  dry_run: j.dryRun,
  domain: j.domain,
  bytes_total: j.bytesTotal,
  bytes_read: j.bytesRead,
  rows_read: j.rowsRead,
  report: j.report && importReportJson(j.report),
  error: j.error,
  created_at: iso(j.createdAt),
  updated_at: iso(j.updatedAt),
  finished_at: isoOrNull(j.finishedAt),
});

export const importReportJson = ({ dryRun, ...report }: ImportReport) => ({ ...report, dry_run: dryRun });

/** Pages through a store listing: decode the cursor, fetch limit + 1, present. */
export async function paged<R extends { createdAt: number; id: string }, T>(
  query: { limit?: number; cursor?: string },
  fetch: (limit: number, cursor: ReturnType<typeof decodeCursor> | undefined) => Promise<R[]>,
  present: (row: R) => T,
): Promise<Page<T>> {
  const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
  const limit = query.limit ?? DEFAULT_PAGE_LIMIT; // the schema's default fills it in; the type cannot know
  return toPage(await fetch(limit, cursor), limit, present);
}
