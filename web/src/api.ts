/**
 * Every call to Kurz's API goes through here: the access token, the browser session behind it, and
 * turning failures (problem+json, other HTTP errors, no network) into sentences a person can read.
 */
import type { AccessToken, Problem } from './types';

const API = '/api/v1';
// The session routes require this header: another site cannot add it without a CORS preflight that
// Kurz never grants, so a forged form post or image load cannot use the session cookie.
const CSRF = { 'x-kurz-csrf': '1' };
// Refresh this long before the access token expires, so a call never races its expiry.
const REFRESH_MARGIN_S = 60;

/** A failed call: `message` is fit to show; `status` is 0 when the server could not be reached. */
export class ApiError extends Error {
  constructor(message: string, readonly status: number, readonly problem?: Problem) {
    super(message);
    this.name = 'ApiError';
  }
}

// In memory only, never in localStorage: a script injected into the page could read storage, but it
// cannot read a module variable after the fact, nor the HttpOnly cookie that restores the session.
let accessToken: string | null = null;
let refreshTimer: ReturnType<typeof setTimeout> | undefined;
let refreshing: Promise<boolean> | null = null;
let sessionLost: () => void = () => {};

/** Called when the session is gone for good (refresh refused), so the app can ask to sign in. */
export function onSessionLost(handler: () => void): void {
  sessionLost = handler;
}

function keep(token: AccessToken): void {
  accessToken = token.access_token;
  clearTimeout(refreshTimer);
  const inMs = Math.max(10, token.expires_in - REFRESH_MARGIN_S) * 1000;
  refreshTimer = setTimeout(() => {
    refreshSession().then((ok) => ok || sessionLost(), () => {
      // Offline at that moment: the next call's 401 will try again.
    });
  }, inMs);
}

/** Drops the access token (sign-out, or a session the server no longer knows). */
export function forgetSession(): void {
  accessToken = null;
  clearTimeout(refreshTimer);
}

/** Signs in: the access token comes back in the body, the refresh token in an HttpOnly cookie. */
export async function startSession(email: string, password: string): Promise<void> {
  keep(await call<AccessToken>('POST', '/auth/session', { body: { email, password }, headers: CSRF, auth: false }));
}

/** Signs out on the server (revokes the refresh token, clears its cookie), then here. */
export async function endSession(): Promise<void> {
  try {
    await call<void>('DELETE', '/auth/session', { headers: CSRF, auth: false });
  } finally {
    forgetSession();
  }
}

/**
 * Trades the session cookie for a new access token: true when signed in, false when there is no
 * session. Refresh tokens rotate, and presenting a rotated one revokes the whole session, so two
 * refreshes must never run at once: one promise per tab, and a Web Lock across this site's tabs
 * (the second tab then sends the cookie the first one received).
 */
export function refreshSession(): Promise<boolean> {
  refreshing ??= withLock('kurz-session-refresh', async () => {
    try {
      keep(await call<AccessToken>('POST', '/auth/session/refresh', { headers: CSRF, auth: false }));
      return true;
    } catch (err) {
      if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
        forgetSession();
        return false;
      }
      throw err;
    }
  }).finally(() => {
    refreshing = null;
  });
  return refreshing;
}

function withLock<T>(name: string, task: () => Promise<T>): Promise<T> {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  return locks ? (locks.request(name, task) as Promise<T>) : task();
}

type Query = Record<string, string | number | boolean | null | undefined>;

export interface CallOptions {
  body?: unknown;
  query?: Query;
  headers?: Record<string, string>;
  /** false: send no Authorization header and do not refresh on 401 (sign-in, sign-up, session routes). */
  auth?: boolean;
  /** A file sent as the raw body in place of JSON `body` (an export to import); the browser streams it from disk. */
  file?: Blob;
}

/** A JSON call; resolves with the parsed body (undefined for 204). */
export async function call<T>(method: string, path: string, options: CallOptions = {}): Promise<T> {
  const response = await authorized(method, path, options, 'application/json');
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

/** POSTs a file as the raw body and resolves with the JSON answer. */
export async function upload<T>(path: string, file: Blob, query?: Query): Promise<T> {
  return (await (await authorized('POST', path, { file, query }, 'application/json')).json()) as T;
}

/** A binary resource of the API (QR codes), which an <img src> could not fetch with the token. */
export async function fetchBlob(path: string): Promise<Blob> {
  return (await authorized('GET', path, {}, '*/*')).blob();
}

/** Sends once; on a 401, refreshes the session once and retries once, else reports it lost. */
async function authorized(method: string, path: string, options: CallOptions, accept: string): Promise<Response> {
  const auth = options.auth ?? true;
  let response = await send(method, path, options, accept, auth);
  if (auth && response.status === 401) {
    if (await refreshSession()) response = await send(method, path, options, accept, auth);
    else sessionLost();
  }
  if (!response.ok) throw await failure(response);
  return response;
}

async function send(method: string, path: string, options: CallOptions, accept: string, auth: boolean): Promise<Response> {
  const headers: Record<string, string> = { accept: `${accept}, application/problem+json`, ...options.headers };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  // Always octet-stream for a file: the query names its format, and browsers guess a CSV's type
  // differently (text/csv, or application/vnd.ms-excel on Windows), which the API would refuse.
  if (options.file) headers['content-type'] = 'application/octet-stream';
  if (auth && accessToken) headers.authorization = `Bearer ${accessToken}`;
  try {
    return await fetch(API + path + queryString(options.query), {
      method,
      headers,
      body: options.file ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
      credentials: 'same-origin',
    });
  } catch {
    throw new ApiError('Could not reach the Kurz server. Check your connection and try again.', 0);
  }
}

/** Empty values are left out: the API rejects an empty `q` or `tag` rather than ignoring it. */
function queryString(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(name, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

async function failure(response: Response): Promise<ApiError> {
  if (/json/.test(response.headers.get('content-type') ?? '')) {
    try {
      const body: unknown = await response.json();
      if (isProblem(body)) return new ApiError(body.detail || body.title, response.status, body);
    } catch {
      // Not JSON after all: fall through to the status's own sentence.
    }
  }
  return new ApiError(statusSentence(response.status), response.status);
}

function isProblem(body: unknown): body is Problem {
  if (typeof body !== 'object' || body === null) return false;
  const { title, detail, errors } = body as Record<string, unknown>;
  return typeof title === 'string' && (detail === undefined || typeof detail === 'string') && (errors === undefined || Array.isArray(errors));
}

function statusSentence(status: number): string {
  if (status === 401) return 'Please sign in again.';
  if (status === 403) return 'You are not allowed to do that.';
  if (status === 404) return 'That was not found.';
  if (status === 429) return 'Too many requests. Wait a moment and try again.';
  if (status >= 500) return `The server could not answer (HTTP ${status}). Try again in a moment.`;
  return `The request failed (HTTP ${status}).`;
}
