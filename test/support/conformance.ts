/**
 * Checks answers against the OpenAPI document the app serves: the status is documented for that
 * operation, the content type is one it documents, the body is valid against its schema (JSON
 * Schema 2020-12, as OpenAPI 3.1 says), and every header it marks required is there and valid.
 * test/support/app.ts runs it on every answer of every app it builds; fuzz/ runs it too.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { FastifyInstance } from 'fastify';
import { Readable, Transform, pipeline } from 'node:stream';

// ajv-formats is CommonJS; under NodeNext its default export is the module object.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** One answer as the app sent it. `route` is Fastify's template (/api/v1/links/:id), undefined when no route matched. */
export interface Exchange {
  method: string;
  url: string;
  route: string | undefined;
  status: number;
  headers: Record<string, unknown>;
  body: string | Buffer | null | undefined;
}

/**
 * Routes that are not API operations, deliberately left out of the document (schema.hide):
 * - no route: an unknown path's 404 (and a known path's wrong method) belongs to no operation;
 * - /healthz, /readyz, /metrics, /openapi.json: operations endpoints for probes and scrapers, not clients;
 * - /docs…: Swagger UI's page and assets; /, /dashboard…, /assets/…: the web dashboard's HTML and files.
 */
const NOT_OPERATIONS = [/^\/healthz$/, /^\/readyz$/, /^\/metrics$/, /^\/openapi\.json$/, /^\/docs(\/|$)/, /^\/$/, /^\/dashboard(\/|$)/, /^\/assets\//];

export const isOperation = (route: string | undefined): route is string =>
  route !== undefined && !NOT_OPERATIONS.some((re) => re.test(route));

/** /api/v1/links/:id → /api/v1/links/{id}; a parameter's pattern goes too: /:code([^+]+)+ → /{code}+ */
export const openapiPath = (route: string) => route.replace(/:([A-Za-z0-9_]+)(\([^)]*\))?/g, '{$1}');

const pointer = (...parts: string[]) => parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

export class Conformance {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(readonly doc: Doc) {
    addFormats(this.ajv);
    this.ajv.addSchema(doc, 'openapi');
  }

  static of(app: FastifyInstance): Conformance {
    return new Conformance(structuredClone(app.swagger()) as Doc);
  }

  /** The operation an answer belongs to, or a reason it has none. */
  operation(method: string, route: string): { path: string; method: string; op: Doc } | string {
    const path = openapiPath(route);
    const item = this.doc.paths?.[path];
    if (!item) return `route ${route} is not in the document (document it, or list it in NOT_OPERATIONS with why)`;
    const m = method.toLowerCase();
    // A HEAD that the document does not list is Fastify's automatic twin of the GET.
    const name = item[m] ? m : m === 'head' && item.get ? 'get' : undefined;
    if (!name) return `${method} ${path} is not in the document`;
    return { path, method: name, op: item[name] };
  }

  /** Every way the answer departs from the document; empty when it conforms. */
  check(x: Exchange): string[] {
    if (!isOperation(x.route)) return [];
    if (x.status === 405) return this.checkMethodNotAllowed(x);
    const found = this.operation(x.method, x.route);
    if (typeof found === 'string') return [`${x.method} ${x.url} → ${x.status}: ${found}`];
    const { path, method, op } = found;
    const responses = op.responses ?? {};
    const key = [String(x.status), `${String(x.status)[0]}XX`, 'default'].find((k) => responses[k]);
    if (!key) return [`${x.method} ${x.url} → ${x.status}: not documented for ${method.toUpperCase()} ${path} (documented: ${Object.keys(responses).join(', ')}): ${String(x.body).slice(0, 300)}`];
    const response = responses[key];
    const errors: string[] = [];
    for (const [name, header] of Object.entries<Doc>(response.headers ?? {})) {
      const value = x.headers[name.toLowerCase()];
      if (value === undefined) {
        if (header.required) errors.push(`required header ${name} is missing`);
        continue;
      }
      const type = header.schema?.type;
      const parsed = type === 'integer' || type === 'number' ? (/^-?\d+(\.\d+)?$/.test(String(value)) ? Number(value) : String(value)) : String(value);
      const at = pointer('paths', path, method, 'responses', key, 'headers', name, 'schema');
      const problem = this.validate(at, parsed);
      if (problem) errors.push(`header ${name}: ${String(value)} ${problem}`);
    }
    // Fastify drops the body of a 204 on the wire, whatever onSend saw ("null" for send(null)).
    const empty = x.body === null || x.body === undefined || x.body.length === 0 || x.status === 204;
    if (!response.content) {
      if (!empty && x.method !== 'HEAD') errors.push(`documented without a body, answered ${JSON.stringify(String(x.body).slice(0, 200))}`);
    } else if (x.method !== 'HEAD') {
      const type = String(x.headers['content-type'] ?? '').split(';')[0]!.trim();
      if (!response.content[type]) {
        errors.push(`content type ${type || '(none)'} is not documented (documented: ${Object.keys(response.content).join(', ')})`);
      } else if (type.endsWith('json')) {
        let body: unknown;
        try {
          body = JSON.parse(String(x.body));
        } catch {
          errors.push(`the ${type} body is not JSON: ${String(x.body).slice(0, 200)}`);
        }
        const problem = body === undefined ? undefined : this.validate(pointer('paths', path, method, 'responses', key, 'content', type, 'schema'), body);
        if (problem) errors.push(`body ${problem}: ${String(x.body).slice(0, 300)}`);
      }
    }
    return errors.map((e) => `${x.method} ${x.url} → ${x.status}: ${e}`);
  }

  /**
   * A 405 belongs to a path, not to an operation (OpenAPI has no place for it): a problem+json whose
   * `Allow` lists exactly the methods the document gives the path asked (HEAD beside GET). It arrives
   * through a route when a literal path (/users/me) shadows a parametric one (/users/{id}).
   */
  private checkMethodNotAllowed(x: Exchange): string[] {
    const path = x.url.split('?')[0]!;
    const item = this.doc.paths?.[path] ?? this.doc.paths?.[openapiPath(x.route ?? '')] ?? {};
    const documented = Object.keys(item).filter((m) => ['get', 'put', 'post', 'delete', 'patch'].includes(m)).map((m) => m.toUpperCase());
    if (documented.includes('GET')) documented.push('HEAD');
    const allow = String(x.headers.allow ?? '').split(',').map((m) => m.trim()).filter(Boolean);
    // A path left out of the document on purpose (/healthz …) answers its own route's methods, which
    // the document cannot state: the parameter route that took the request (/{code}) is not its Allow.
    const undocumented = !this.doc.paths?.[path] && !isOperation(path);
    const errors: string[] = [];
    if (!x.headers.allow) errors.push('a 405 without Allow');
    else if (!undocumented && [...allow].sort().join() !== [...documented].sort().join()) errors.push(`Allow: ${allow.join(', ')}, but the document gives ${path} ${documented.join(', ')}`);
    if (!String(x.headers['content-type'] ?? '').startsWith('application/problem+json')) errors.push('a 405 that is not problem+json');
    else {
      const problem = this.validate(pointer('components', 'schemas', 'Problem'), JSON.parse(String(x.body)));
      if (problem) errors.push(`body ${problem}`);
    }
    return errors.map((e) => `${x.method} ${x.url} → 405: ${e}`);
  }

  private validate(at: string, value: unknown): string | undefined {
    let validate = this.validators.get(at);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `openapi#/${at}` });
      this.validators.set(at, validate);
    }
    if (validate(value)) return undefined;
    return (validate.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message}`).join('; ');
  }
}

/** Records every answer of `app` (an onSend hook: it sees the body as sent) and checks it against the app's own document. */
export function recordConformance(app: FastifyInstance): { violations: string[] } {
  const violations: string[] = [];
  let conformance: Conformance | undefined;
  app.addHook('onSend', async (request, reply, payload) => {
    const route = request.routeOptions.url;
    if (!isOperation(route)) return payload;
    const checker = (conformance ??= Conformance.of(app));
    const check = (body: Exchange['body']) => violations.push(...checker.check({
      method: request.method, url: request.url, route, status: reply.statusCode, headers: reply.getHeaders(), body,
    }));
    // A streamed body (an export) is checked once it has all gone by, the client reading it as it comes.
    if (payload instanceof Readable) {
      const chunks: Buffer[] = [];
      const tee = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          chunks.push(chunk);
          done(null, chunk);
        },
      });
      tee.on('end', () => check(Buffer.concat(chunks)));
      // pipeline, not pipe: a source that fails mid-way must fail what Fastify sends too, as it would unchecked.
      pipeline(payload, tee, () => {});
      return tee;
    }
    check(typeof payload === 'string' || Buffer.isBuffer(payload) || payload === null || payload === undefined ? payload : null);
    return payload;
  });
  return { violations };
}
