import type { FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { AppError } from '../domain/errors.js';

/**
 * The methods each registered path answers, for the Allow of a 405: fed by an onRoute hook, asked by
 * the not-found handler (a request no route took) and by `refuseShadowed`.
 *
 * A path that is a route of its own (`/users/me`) is its own resource: its methods are those of that
 * route alone, even where a route with a parameter (`/users/:id`) would take the same path with another
 * method (the router's fallback: DELETE /users/me was "user me not found").
 */
export class RouteMethods {
  readonly #byUrl = new Map<string, { pattern: RegExp; methods: Set<string> }>();

  /** Records a route as Fastify registers it; GET implies HEAD (Fastify answers HEAD wherever GET is). */
  add(route: RouteOptions): void {
    let entry = this.#byUrl.get(route.url);
    if (!entry) this.#byUrl.set(route.url, (entry = { pattern: patternOf(route.url), methods: new Set() }));
    for (const method of [route.method].flat()) {
      entry.methods.add(method);
      if (method === 'GET') entry.methods.add('HEAD');
    }
  }

  /** Every method some route answers at `path` (no query), sorted; empty when no route matches it. */
  allowed(path: string): string[] {
    const own = this.#static(path);
    if (own) return [...own].sort();
    const methods = new Set<string>();
    for (const { pattern, methods: own } of this.#byUrl.values()) {
      if (pattern.test(path)) for (const m of own) methods.add(m);
    }
    return [...methods].sort();
  }

  /**
   * A root onRequest hook: a request that a parameter route took for a path that is a route of its own,
   * with a method that route does not answer, is a 405 (DELETE /users/me is not DELETE /users/:id).
   */
  readonly refuseShadowed = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const route = request.routeOptions.url;
    if (route === undefined || !/[:*]/.test(route)) return;
    const path = request.url.split('?')[0]!;
    const own = this.#static(path);
    if (own && !own.has(request.method)) throw methodNotAllowed(reply, request.method, path, [...own].sort());
  };

  #static(path: string): Set<string> | undefined {
    return /[:*]/.test(path) ? undefined : this.#byUrl.get(path)?.methods;
  }
}

/** The 405 of `method` on `path`, with Allow set on the reply. */
export function methodNotAllowed(reply: FastifyReply, method: string, path: string, allow: string[]): AppError {
  reply.header('allow', allow.join(', '));
  return new AppError('method-not-allowed', `${method} is not allowed on ${path}; it answers ${allow.join(', ')}`);
}

/** `/links/:id/qr.png` → `^/links/[^/]+/qr\.png$`; a `*` matches the rest of the path; a parameter's own pattern (`/:code([^+]+)+`) is dropped. */
function patternOf(url: string): RegExp {
  const source = url
    .replace(/(:[A-Za-z0-9_]+)\([^)]*\)/g, '$1')
    .replace(/[.+?^${}()|[\]\\]/g, '\\$&')
    .replace(/:[A-Za-z0-9_]+/g, '[^/]+')
    .replace(/\*/g, '.*');
  return new RegExp(`^${source}$`);
}
