/**
 * The one registry of application errors. Each kind has a stable `type` (what clients match on),
 * a title and an HTTP status; the HTTP error handler turns an AppError into RFC 9457 problem+json.
 */

export const PROBLEMS = {
  'validation': { status: 400, title: 'Invalid request' },
  'unauthorized': { status: 401, title: 'Authentication required' },
  'forbidden': { status: 403, title: 'Not allowed' },
  'not-found': { status: 404, title: 'Not found' },
  'method-not-allowed': { status: 405, title: 'Method not allowed' },
  'request-timeout': { status: 408, title: 'Request timeout' },
  'conflict': { status: 409, title: 'Conflict' },
  'gone': { status: 410, title: 'Gone' },
  'payload-too-large': { status: 413, title: 'Request body too large' },
  'unsupported-media-type': { status: 415, title: 'Unsupported content type' },
  'unprocessable': { status: 422, title: 'Unprocessable request' },
  'rate-limited': { status: 429, title: 'Too many requests' },
  'headers-too-large': { status: 431, title: 'Request header fields too large' },
  'internal': { status: 500, title: 'Internal server error' },
  'unavailable': { status: 503, title: 'Service unavailable' },
} as const;

export type ProblemKind = keyof typeof PROBLEMS;

export interface FieldError {
  field: string;
  message: string;
}

export const problemType = (kind: ProblemKind): string => `urn:kurz:problem:${kind}`;

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly kind: ProblemKind,
    readonly detail: string,
    readonly errors?: FieldError[],
  ) {
    super(detail);
    this.status = PROBLEMS[kind].status;
  }
}

/** A 400 that names the offending field. */
export const invalid = (field: string, message: string): AppError =>
  new AppError('validation', `${field} ${message}`, [{ field, message }]);

export const notFound = (what: string): AppError => new AppError('not-found', `${what} not found`);
