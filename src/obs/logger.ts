import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { LoggerOptions } from 'pino';
import type { LogLevel } from '../config.js';

/** pino options: JSON lines, and credentials redacted wherever a log call might carry them. */
export function loggerOptions(level: LogLevel): LoggerOptions {
  return {
    level,
    redact: {
      paths: [
        'req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'headers.cookie',
        '*.password', '*.refresh_token', '*.access_token', '*.key', '*.passwordHash',
      ],
      censor: '[redacted]',
    },
  };
}

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Honours a caller's (or proxy's) x-request-id when it is a sane token, so one id follows a request across hops. */
export function requestId(req: IncomingMessage): string {
  const incoming = req.headers['x-request-id'];
  return typeof incoming === 'string' && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
}
