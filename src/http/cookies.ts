import type { FastifyRequest } from 'fastify';
import { invalid } from '../domain/errors.js';
import { NOT_PLAIN_MESSAGE, isPlainText } from '../domain/plain-text.js';

/** The value of one cookie the browser sent, if any; a 400 naming the cookie when it decodes to a control character. */
export function cookie(request: FastifyRequest, name: string): string | undefined {
  return cookieOf(request.headers.cookie, name);
}

/** cookie(), from a raw Cookie header (the fast redirect has no Fastify request). */
export function cookieOf(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at !== -1 && part.slice(0, at).trim() === name) {
      let value: string;
      try {
        value = decodeURIComponent(part.slice(at + 1).trim());
      } catch {
        return undefined; // not a value Kurz set: as good as none
      }
      // %00 decodes to a NUL, which PostgreSQL refuses in a query (a 500 before this check).
      if (!isPlainText(value)) throw invalid(name, NOT_PLAIN_MESSAGE);
      return value;
    }
  }
  return undefined;
}

export interface CookieOptions {
  path: string;
  /** Seconds; 0 deletes the cookie. */
  maxAge: number;
  secure: boolean;
}

/** A Set-Cookie value that no script can read (HttpOnly) and no other site can send (SameSite=Strict). */
export function setCookie(name: string, value: string, { path, maxAge, secure }: CookieOptions): string {
  return `${name}=${encodeURIComponent(value)}; Path=${path}; Max-Age=${maxAge}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}
