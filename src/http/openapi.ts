/**
 * The OpenAPI document's frame: what @fastify/swagger builds from the routes' schemas, plus the
 * security schemes, the tags and one fix-up it cannot express (a required response header).
 */
import type { SwaggerOptions } from '@fastify/swagger';
import type { Scope } from '../domain/scopes.js';

/** The browser session's refresh cookie and CSRF header (src/http/api/browser-session.ts). */
export const SESSION_COOKIE = 'kurz_refresh';
export const CSRF_HEADER = 'x-kurz-csrf';

/** An access token, or an API key holding `scope` (src/domain/scopes.ts). */
export const scoped = (scope: Scope): Record<string, string[]>[] => [{ bearer: [] }, { apiKey: [scope] }];

/** OpenAPI security requirements of the operations. */
export const SECURITY: Record<'bearer' | 'optionalBearer' | 'public' | 'csrf' | 'session' | 'optionalSession', Record<string, string[]>[]> = {
  /** An access token; an API key is refused (403): a key never manages accounts, credentials or keys. */
  bearer: [{ bearer: [] }],
  /** Anyone; a bearer credential, when sent, is checked (401 if bad) and may grant more (an admin creating a user). */
  optionalBearer: [{}, { bearer: [] }],
  public: [],
  csrf: [{ csrf: [] }],
  session: [{ session: [], csrf: [] }],
  /** Signing out without a session still clears the cookie. */
  optionalSession: [{ session: [], csrf: [] }, { csrf: [] }],
};

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export function openapiOptions(baseUrl: string): SwaggerOptions {
  return {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Kurz', version: '1.0.0', license: { name: 'MIT', identifier: 'MIT' },
        description: 'URL shortener API. Errors are RFC 9457 problem+json. Every operation is rate-limited: allowed calls '
          + 'carry RateLimit-Limit, RateLimit-Remaining and RateLimit-Reset (when their class is on); a refused one is a 429 with Retry-After.',
      },
      servers: [{ url: baseUrl }],
      tags: [
        { name: 'api-keys', description: 'Long-lived credentials for scripts' },
        { name: 'auth', description: 'Sign-in, token refresh and sign-out, for scripts (tokens) and the browser (a cookie)' },
        { name: 'domains', description: 'Custom domains, each with its own codes: admins register them, users put links on them' },
        { name: 'imports', description: 'Moving in from Bitly, Kutt, Shlink, YOURLS or a CSV: background jobs with progress and a report' },
        { name: 'links', description: 'Short links, their statistics and QR codes' },
        { name: 'redirect', description: 'What a visitor of a short URL gets' },
        { name: 'users', description: 'Accounts' },
      ],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'access token from sign-in (POST /api/v1/auth/token); it has every right of its user' },
          apiKey: {
            type: 'http', scheme: 'bearer',
            description: 'API key (POST /api/v1/api-keys), sent as a bearer token; it may do only what its scopes allow '
              + '(links:read, links:write, stats:read; a key made without scopes has all three) and never manages accounts or keys',
          },
          session: {
            type: 'apiKey', in: 'cookie', name: SESSION_COOKIE,
            description: 'the browser session\'s refresh token, HttpOnly and SameSite=Strict, sent to /api/v1/auth/session only',
          },
          csrf: {
            type: 'apiKey', in: 'header', name: CSRF_HEADER,
            description: 'must be 1: a page of another site cannot add it without a CORS preflight Kurz never grants',
          },
        },
      },
    },
    // Shared schemas under their $id (Problem), not def-0.
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => String(json.$id ?? `def-${i}`) },
    transformObject: (documentObject) => dropInlineDiscriminators(liftRequiredHeaders((documentObject as { openapiObject: Doc }).openapiObject)),
  } as SwaggerOptions;
}

/** @fastify/swagger puts every keyword of a response header into its schema: `x-required` becomes the header's `required`. */
function liftRequiredHeaders(doc: Doc): Doc {
  for (const path of Object.values<Doc>(doc.paths ?? {})) {
    for (const operation of Object.values<Doc>(path)) {
      for (const response of Object.values<Doc>(operation.responses ?? {})) {
        for (const header of Object.values<Doc>(response.headers ?? {})) {
          if (header.schema?.['x-required']) {
            delete header.schema['x-required'];
            header.required = true;
          }
        }
      }
    }
  }
  return doc;
}

/**
 * A tagged union (a rule's condition) carries Ajv's `discriminator` so that validation reports the
 * tagged branch's errors alone. OpenAPI's discriminator selects only named ($ref) schemas, and the
 * branches are inline: the document states the union as its oneOf of closed objects, each with its
 * `type` constant, which says the same.
 */
function dropInlineDiscriminators(doc: Doc): Doc {
  const pending: unknown[] = [doc.paths];
  while (pending.length > 0) {
    const node = pending.pop();
    if (node === null || typeof node !== 'object') continue;
    const schema = node as Doc;
    if (schema.discriminator && Array.isArray(schema.oneOf) && schema.oneOf.every((s: Doc) => s.$ref === undefined)) delete schema.discriminator;
    pending.push(...Object.values(schema));
  }
  return doc;
}
