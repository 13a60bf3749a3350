import type { Socket } from 'node:net';
import { PROBLEMS, problemType, type ProblemKind } from '../domain/errors.js';

/** What node:http reports before a request reaches Kurz, as the problem it answers. */
const KINDS: Record<string, { kind: ProblemKind; detail: string }> = {
  ERR_HTTP_REQUEST_TIMEOUT: { kind: 'request-timeout', detail: 'the request (headers and body) was not received in time (REQUEST_TIMEOUT_SECONDS)' },
  HPE_HEADER_OVERFLOW: { kind: 'headers-too-large', detail: 'the request headers are too large' },
};
const MALFORMED = { kind: 'validation', detail: 'the request is not valid HTTP/1.1 (request line or headers)' } as const;

/**
 * The server's 'clientError': a malformed request line or header, headers too large, or a request not
 * received within REQUEST_TIMEOUT_SECONDS. Node's own answer is a bare status line; this one is the same
 * status as a problem+json, and closes the connection. A connection reset, or one whose answer has
 * begun, is just closed.
 */
export function answerClientError(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || !socket.writable || socket.bytesWritten > 0) {
    socket.destroy();
    return;
  }
  const { kind, detail } = KINDS[err.code ?? ''] ?? MALFORMED;
  const { status, title } = PROBLEMS[kind];
  const body = JSON.stringify({ type: problemType(kind), title, status, detail });
  socket.write(`HTTP/1.1 ${status} ${title}\r\ncontent-type: application/problem+json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n`
    + `x-content-type-options: nosniff\r\nconnection: close\r\n\r\n${body}`);
  socket.destroySoon();
}
