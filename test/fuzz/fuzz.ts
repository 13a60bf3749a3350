/**
 * Property-based requests against every operation of the OpenAPI document, on one store: generated
 * from the operations' schemas (path parameters, query, JSON body) and from hostile inputs (control
 * characters, lone surrogates, overlong UTF-8, huge numbers, __proto__ keys, repeated query
 * parameters, wrong content types). Each answer must be below 500 and match the document
 * (test/support/conformance.ts); a rejected request (4xx) must write no row in any table.
 */
import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import { sql, type Kysely } from 'kysely';
import { createTestApp, signUpAndIn, type Caller, type TestApp } from '../support/app.js';
import type { KyselyStore } from '../../src/adapters/store/index.js';

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Json = unknown;

/** One generated request: which operation, and what is sent. */
export interface FuzzRequest {
  operation: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
}

export interface Finding {
  kind: '5xx' | 'undocumented' | 'changed-on-reject';
  request: FuzzRequest;
  status: number;
  detail: string;
}

export interface FuzzOptions {
  runs: number;
  seed?: number;
  /** Leaves out requests of a known, separately tracked defect (see fuzz.test.ts). */
  skip?: (request: FuzzRequest) => boolean;
  /** Called every 1,000 requests. */
  progress?: (done: number) => void;
}

export interface FuzzReport {
  dialect: string;
  requests: number;
  skipped: number;
  byStatus: Record<number, number>;
  findings: Finding[];
  ms: number;
}

// ── hostile values ───────────────────────────────────────────────────────────────────────────

const HOSTILE_STRINGS = [
  '', ' ', '\u0000', 'a\u0000b', '\u0001\u0002\u001f', '\u007f', 'line\nbreak', 'tab\there', '\r\n\r\n',
  '\ud800', '\udfff', 'x\ud83d', '\u202eevil', '\ufeff', '\uffff', 'é'.repeat(300), 'x'.repeat(5_000),
  '../../etc/passwd', '%00', '%2e%2e%2f', "' OR 1=1 --", '"; drop table users; --', '<script>alert(1)</script>',
  '__proto__', 'constructor', 'prototype', 'null', 'undefined', 'NaN', '1e309', '-0', '9007199254740993',
  'javascript:alert(1)', 'http://localhost/', 'http://[::ffff:127.0.0.1]/', 'https://example.com/\u0000',
];
const HOSTILE_NUMBERS = [0, -1, 1.5, -0, 2 ** 31, 2 ** 53 + 1, 1e308, -1e308, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER];

const hostileString = fc.oneof(
  fc.constantFrom(...HOSTILE_STRINGS),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 8 }),
);
const hostileValue: fc.Arbitrary<Json> = fc.oneof(
  hostileString, fc.constantFrom(...HOSTILE_NUMBERS), fc.boolean(), fc.constant(null),
  fc.constant([]), fc.constant({}), fc.constant(JSON.parse('{"__proto__":{"admin":true}}')),
);

/** Raw bodies a JSON parser must refuse cleanly. */
const RAW_BODIES: (string | Buffer)[] = [
  '{', '{"url":', 'null', '[]', '"str"', '1e400', '{"a":1e400}', '{"__proto__":{"admin":true}}',
  '{"constructor":{"prototype":{"admin":true}}}', '{"email":"a@b.c","email":"x@y.z"}', '[' .repeat(10_000),
  Buffer.from([0x7b, 0x22, 0x75, 0x22, 0x3a, 0x22, 0xc0, 0xaf, 0x22, 0x7d]), // {"u":"<overlong />"}
  Buffer.from([0x7b, 0x22, 0x75, 0x22, 0x3a, 0x22, 0xe0, 0x80, 0xaf, 0x22, 0x7d]), // overlong 3-byte /
  Buffer.from([0x7b, 0x22, 0x75, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d]), // UTF-8 of a lone surrogate
  Buffer.from([0xff, 0xfe, 0x7b, 0x7d]), Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d]), // BOMs
  '{"title":"\\u0000"}', '{"url":"https://example.com/","tags":["\\ud800"]}',
];
const CONTENT_TYPES = [
  'application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded',
  'application/json; charset=latin1', 'multipart/form-data; boundary=x', 'application/problem+json', '',
];

/** `value` one time in `oneIn`, null otherwise. */
const sometimes = <T>(arb: fc.Arbitrary<T>, oneIn: number): fc.Arbitrary<T | null> =>
  fc.oneof({ weight: oneIn - 1, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: arb });

// ── arbitraries from JSON Schema ─────────────────────────────────────────────────────────────

class SchemaArbitraries {
  constructor(private readonly doc: Doc) {}

  private resolve(schema: Doc): Doc {
    if (!schema.$ref) return schema;
    const path = String(schema.$ref).replace(/^#\//, '').split('/');
    return path.reduce<Doc>((node, part) => node[part.replace(/~1/g, '/').replace(/~0/g, '~')], this.doc);
  }

  /** Mostly values the schema allows, sometimes near misses or hostile ones. */
  value(raw: Doc, depth = 0): fc.Arbitrary<Json> {
    return fc.oneof({ weight: 12, arbitrary: this.valid(raw, depth) }, { weight: 1, arbitrary: hostileValue });
  }

  private valid(raw: Doc, depth: number): fc.Arbitrary<Json> {
    const schema = this.resolve(raw);
    const options = schema.anyOf ?? schema.oneOf;
    if (options) return fc.oneof(...options.map((s: Doc) => this.value(s, depth + 1)));
    if (schema.enum) return fc.constantFrom(...schema.enum);
    if (schema.const !== undefined) return fc.constant(schema.const);
    switch (schema.type) {
      case 'string': return this.string(schema);
      case 'integer': return this.number(schema, true);
      case 'number': return this.number(schema, false);
      case 'boolean': return fc.boolean();
      case 'null': return fc.constant(null);
      case 'array': return depth > 3 ? fc.constant([]) : fc.array(this.value(schema.items ?? {}, depth + 1), { maxLength: Math.min(schema.maxItems ?? 5, 25) + 1 });
      case 'object': return this.object(schema, depth);
      default: return hostileValue;
    }
  }

  private string(schema: Doc): fc.Arbitrary<string> {
    const max = Math.min(schema.maxLength ?? 80, 300);
    const edges = ['x'.repeat(schema.maxLength ?? 300), 'x'.repeat((schema.maxLength ?? 300) + 1), 'x'.repeat(Math.max(0, (schema.minLength ?? 1) - 1))];
    const withEdges = (...main: fc.Arbitrary<string>[]) => fc.oneof({ weight: 8, arbitrary: fc.oneof(...main) }, { weight: 1, arbitrary: fc.constantFrom(...edges) });
    if (schema.format === 'date-time') {
      return withEdges(fc.date({ noInvalidDate: true, min: new Date('2000-01-01'), max: new Date('2100-01-01') }).map((d) => d.toISOString()), fc.constantFrom('2024-02-30T00:00:00Z', 'tomorrow', '2024-01-01'));
    }
    if (schema.format === 'email') return withEdges(fc.emailAddress(), fc.constantFrom('a@b', 'no-at', '@x.y', 'é@例え.jp'));
    if (schema.format === 'iri' || schema.format === 'uri' || /\bURL\b/.test(schema.description ?? '')) {
      return withEdges(fc.webUrl({ withQueryParameters: true, withFragments: true }), fc.constantFrom('ftp://x/', '/relative', 'http://127.0.0.1/', `https://example.com/${'é'.repeat(1_100)}`));
    }
    if (schema.pattern) return withEdges(fc.stringMatching(new RegExp(schema.pattern)).filter((x) => x.length <= max * 2));
    return withEdges(fc.string({ minLength: schema.minLength ?? 0, maxLength: max }), fc.string({ unit: 'grapheme', minLength: schema.minLength ?? 0, maxLength: max }));
  }

  private number(schema: Doc, integer: boolean): fc.Arbitrary<number> {
    const min = schema.minimum ?? -1e6;
    const max = schema.maximum ?? 1e6;
    const inRange = integer ? fc.integer({ min: Math.max(min, -(2 ** 31)), max: Math.min(max, 2 ** 31) }) : fc.double({ min, max, noNaN: true });
    return fc.oneof({ weight: 4, arbitrary: inRange }, fc.constantFrom(min - 1, max + 1, min, max, 0.5));
  }

  object(schema: Doc, depth: number): fc.Arbitrary<Record<string, Json>> {
    const properties = Object.entries<Doc>(schema.properties ?? {});
    const required = new Set<string>(schema.required ?? []);
    const record: Record<string, fc.Arbitrary<Json>> = {};
    for (const [name, s] of properties) record[name] = this.value(s, depth + 1);
    const base = properties.length > 0
      ? fc.record(record, { requiredKeys: properties.filter(([n]) => required.has(n)).map(([n]) => n) })
      : fc.constant({});
    // Sometimes a required field goes missing, or a field no schema lists (an own __proto__ too) comes along.
    return fc.tuple(base, sometimes(fc.constantFrom('id', 'owner_id', 'clicks', 'admin', '__proto__', 'constructor'), 15), required.size > 0 ? sometimes(fc.constantFrom(...required), 15) : fc.constant(null), hostileValue)
      .map(([value, extra, drop, extraValue]) => {
        const out: Record<string, Json> = { ...(value as Record<string, Json>) };
        if (extra) Object.defineProperty(out, extra, { value: extraValue, enumerable: true, writable: true, configurable: true });
        if (drop) delete out[drop];
        return out;
      });
  }
}

// ── requests per operation ───────────────────────────────────────────────────────────────────

interface Ids { link: string; user: string; key: string; code: string }

function requestArbitrary(doc: Doc, path: string, method: string, op: Doc, caller: Caller, ids: Ids): fc.Arbitrary<FuzzRequest> {
  const schemas = new SchemaArbitraries(doc);
  const params: Doc[] = op.parameters ?? [];
  const pathParams = params.filter((p) => p.in === 'path');
  const queryParams = params.filter((p) => p.in === 'query');
  // Real ids reach the store's writes (a PUT or PATCH of a real link); a DELETE gets only made-up ones,
  // so the resources the other requests need stay.
  const real = method === 'delete' ? [] : [path.startsWith('/api/v1/users') ? ids.user : path.startsWith('/api/v1/api-keys') ? ids.key : path === '/{code}' ? ids.code : ids.link];
  const pathValue = fc.oneof(
    { weight: 3, arbitrary: real.length > 0 ? fc.constantFrom(...real) : fc.uuid() },
    { weight: 2, arbitrary: fc.string({ minLength: 1, maxLength: 70 }) },
    { weight: 1, arbitrary: hostileString.filter((s) => s.length > 0) },
  );
  const pathArb = fc.tuple(...pathParams.map(() => pathValue)).map((values) =>
    pathParams.reduce((p, param, i) => p.replace(`{${param.name}}`, encodeLoose(values[i] as string)), path));
  // A query parameter: absent, one value (from its schema or hostile), or repeated.
  const queryValues = (schema: Doc) => fc.oneof(
    { weight: 4, arbitrary: schemas.value(schema).map((v) => [v]) },
    { weight: 1, arbitrary: fc.array(schemas.value(schema), { minLength: 2, maxLength: 3 }) },
  );
  const queryArb = fc.tuple(...queryParams.map((p) => fc.option(queryValues(p.schema ?? {}), { freq: 2 })), sometimes(fc.constantFrom('unknown=1', 'limit=', '&&', '%zz=1', '__proto__[x]=1'), 10))
    .map((values) => {
      const extra = values.pop() as string | null;
      const parts = queryParams.flatMap((p, i) => ((values[i] as Json[] | null) ?? []).map((v) => `${encodeURIComponent(p.name)}=${encodeLoose(typeof v === 'string' ? v : JSON.stringify(v))}`));
      if (extra) parts.push(extra);
      return parts.length > 0 ? `?${parts.join('&')}` : '';
    });
  const bodySchema = op.requestBody?.content?.['application/json']?.schema;
  type Body = { payload?: string | Buffer; type?: string };
  const bodyArb: fc.Arbitrary<Body> = !['post', 'put', 'patch', 'delete'].includes(method)
    ? fc.constant({})
    : fc.oneof(
      { weight: bodySchema ? 8 : 1, arbitrary: (bodySchema ? schemas.object(resolveRef(doc, bodySchema), 0) : fc.constant({})).map((b) => ({ payload: JSON.stringify(b), type: 'application/json' })) },
      { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...RAW_BODIES), fc.constantFrom(...CONTENT_TYPES)).map(([payload, type]) => ({ payload, type })) },
      { weight: 1, arbitrary: fc.constant({}) },
    );
  const session = path.startsWith('/api/v1/auth/session');
  const authArb = fc.oneof(
    { weight: 12, arbitrary: fc.constant(op.security?.length === 0 ? {} : caller.auth) },
    { weight: 1, arbitrary: fc.constantFrom({}, { authorization: 'Bearer nope' }, { authorization: 'Basic eDp5' }, { authorization: `Bearer ${caller.token}x` }, { authorization: 'Bearer ' + 'a'.repeat(5000) }) },
  );
  const csrfArb = session ? fc.constantFrom({ 'x-kurz-csrf': '1' }, { 'x-kurz-csrf': '1' }, {}, { 'x-kurz-csrf': '1', origin: 'https://evil.example' }) : fc.constant({});
  return fc.tuple(pathArb, queryArb, bodyArb, authArb, csrfArb).map(([p, q, body, auth, csrf]): FuzzRequest => ({
    operation: `${method.toUpperCase()} ${path}`,
    method: method.toUpperCase(),
    url: p + q,
    headers: { ...auth, ...csrf, ...(body.type ? { 'content-type': body.type } : {}) } as Record<string, string>,
    ...(body.payload !== undefined && { payload: body.payload }),
  }));
}

/** Percent-encodes like encodeURIComponent, and a lone surrogate as the bytes a sloppy client would send (WTF-8). */
function encodeLoose(s: string): string {
  let out = '';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    out += code >= 0xd800 && code <= 0xdfff
      ? [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('')
      : encodeURIComponent(ch);
  }
  return out;
}

function resolveRef(doc: Doc, schema: Doc): Doc {
  if (!schema.$ref) return schema;
  return String(schema.$ref).replace(/^#\//, '').split('/').reduce<Doc>((node, part) => node[part], doc);
}

// ── the store's rows ─────────────────────────────────────────────────────────────────────────

/**
 * Every row written, in any table, is logged by a trigger (row-level: a statement that changes no row
 * logs nothing) into fuzz_changes; reading and clearing that log after each request is two cheap
 * queries, where comparing full dumps of every table grew with the tables (quadratic over a run).
 */
export async function watchWrites(db: Kysely<unknown>, dialect: 'sqlite' | 'postgres'): Promise<() => Promise<string[]>> {
  // `locks` rows are only ever row locks (updated to their own name): click compaction takes one in
  // the background, 60 s after start and hourly, whatever request is running then.
  const tables = (await db.introspection.getTables()).map((table) => table.name).filter((name) => name !== 'locks');
  await sql`create table fuzz_changes (tbl text not null, op text not null)`.execute(db);
  if (dialect === 'postgres') {
    await sql.raw(`create function fuzz_log() returns trigger language plpgsql as $$
      begin insert into fuzz_changes (tbl, op) values (TG_TABLE_NAME, TG_OP); return null; end $$`).execute(db);
  }
  for (const table of tables) {
    for (const op of ['insert', 'update', 'delete']) {
      await sql.raw(dialect === 'postgres'
        ? `create trigger fuzz_${op}_${table} after ${op} on "${table}" for each row execute function fuzz_log()`
        : `create trigger fuzz_${op}_${table} after ${op} on "${table}" begin insert into fuzz_changes (tbl, op) values ('${table}', '${op}'); end`).execute(db);
    }
  }
  return async () => {
    const { rows } = await sql<{ tbl: string; op: string }>`select tbl, op from fuzz_changes`.execute(db);
    if (rows.length > 0) await sql`delete from fuzz_changes`.execute(db);
    return [...new Set(rows.map((r) => `${r.op.toLowerCase()} ${r.tbl}`))];
  };
}

// ── the run ──────────────────────────────────────────────────────────────────────────────────

export async function fuzz(dialect: 'sqlite' | 'postgres', options: FuzzOptions): Promise<FuzzReport> {
  const started = Date.now();
  const t: TestApp = await createTestApp(dialect);
  const report: FuzzReport = { dialect, requests: 0, skipped: 0, byStatus: {}, findings: [], ms: 0 };
  try {
    const app = t.app;
    const admin = await signUpAndIn(app);
    const victim = await signUpAndIn(app);
    const link = (await app.inject({ method: 'POST', url: '/api/v1/links', headers: admin.auth, payload: { url: 'https://example.com/fuzz', tags: ['a'] } })).json();
    const key = (await app.inject({ method: 'POST', url: '/api/v1/api-keys', headers: admin.auth, payload: { name: 'fuzz' } })).json();
    const ids: Ids = { link: link.id, user: victim.id, key: key.id, code: link.code };
    const doc: Doc = (await app.inject({ url: '/openapi.json' })).json();
    const db = (t.ctx.store as unknown as KyselyStore).db as unknown as Kysely<unknown>;
    const writes = await watchWrites(db, dialect);

    const operations: fc.Arbitrary<FuzzRequest>[] = [];
    for (const [path, item] of Object.entries<Doc>(doc.paths)) {
      for (const [method, op] of Object.entries<Doc>(item)) operations.push(requestArbitrary(doc, path, method, op, admin, ids));
    }
    const requests = fc.oneof(...operations);
    const violations = t.conformance.violations;
    const chunk = 500;
    for (let done = 0; done < options.runs; done += chunk) {
      const batch = fc.sample(requests, { numRuns: Math.min(chunk, options.runs - done), seed: (options.seed ?? 42) + done });
      for (const request of batch) {
        if (options.skip?.(request)) {
          report.skipped++;
          continue;
        }
        const res = await app.inject({ method: request.method as InjectOptions['method'], url: request.url, headers: request.headers, payload: request.payload });
        report.requests++;
        report.byStatus[res.statusCode] = (report.byStatus[res.statusCode] ?? 0) + 1;
        if (res.statusCode >= 500) report.findings.push({ kind: '5xx', request, status: res.statusCode, detail: res.body.slice(0, 300) });
        if (violations.length > 0) {
          report.findings.push({ kind: 'undocumented', request, status: res.statusCode, detail: violations.join('; ') });
          violations.length = 0;
        }
        // A redirect's click is written later, by the click queue, and an accepted import by its job: let
        // them write now, so that it is not taken for the next request's change.
        if (res.statusCode < 400) await Promise.all([t.ctx.clicks.flush(), t.ctx.imports.settled()]);
        const written = await writes();
        if (res.statusCode >= 400 && res.statusCode < 500 && written.length > 0) {
          report.findings.push({ kind: 'changed-on-reject', request, status: res.statusCode, detail: `wrote: ${written.join(', ')}` });
        }
        if (report.requests % 1_000 === 0) options.progress?.(report.requests);
      }
    }
  } finally {
    t.conformance.violations.length = 0; // reported above, per request
    await t.close();
  }
  report.ms = Date.now() - started;
  return report;
}
