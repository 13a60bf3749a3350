import type { FastifyRequest } from 'fastify';
import { AppError } from '../domain/errors.js';

/**
 * A root preParsing hook: a body is read as UTF-8 JSON, as sent, never decompressed or converted. A
 * compressed body would fail as "not valid JSON" (a 400 that hides the cause), and a Latin-1 one would
 * be read as UTF-8 and stored mangled: both are a 415 that says why, before a byte is read.
 */
export async function refuseEncodedBodies(request: FastifyRequest): Promise<void> {
  const { headers } = request;
  const hasBody = (headers['content-length'] !== undefined && headers['content-length'] !== '0') || headers['transfer-encoding'] !== undefined;
  if (!hasBody) return;
  const encoding = headers['content-encoding']?.trim().toLowerCase();
  if (encoding && encoding !== 'identity') {
    throw new AppError('unsupported-media-type', `a body with Content-Encoding ${encoding} is not accepted: send it uncompressed`);
  }
  const charset = /;\s*charset\s*=\s*"?([^";\s]*)"?/i.exec(headers['content-type'] ?? '')?.[1];
  if (charset !== undefined && !/^utf-?8$/i.test(charset)) {
    throw new AppError('unsupported-media-type', `a body in charset ${charset} is not accepted: send UTF-8`);
  }
}
