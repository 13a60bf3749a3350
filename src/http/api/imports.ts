import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Config } from '../../config.js';
import { AppError, invalid } from '../../domain/errors.js';
import { getImport, listImports, type ImportJobs, type ImportUpload } from '../../use-cases/imports.js';
import type { ImportStore } from '../../ports.js';
import { requireActor } from '../auth.js';
import { scoped } from '../openapi.js';
import { importJson, paged } from '../present.js';
import { IdParams, IMPORT_MEDIA_TYPES, ImportFile, ImportJob, ImportQuery, Page, PageQuery } from '../schemas.js';
import { LOCATION, json, problems, type Api } from './api.js';

/** What the import routes use: the jobs of this instance, and the store and clock to read them back. */
export interface ImportRouteDeps {
  imports: Pick<ImportJobs, 'start'>;
  store: Pick<ImportStore, 'findImport' | 'listImports'>;
  clock: () => number;
  config: Pick<Config, 'importMaxBytes'>;
}

/**
 * Moving in from another shortener: the export file is the raw body of POST /imports, streamed to a
 * temporary file and imported by a background job whose progress and report GET /imports/:id shows.
 * In a scope of their own: only here are bodies other than JSON taken, and as streams.
 */
export function importRoutes(app: Api, deps: ImportRouteDeps): void {
  const tags = ['imports'];
  void app.register(async (scope: Api) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser([...IMPORT_MEDIA_TYPES], (_request, payload, done) => done(null, payload));

    scope.post('/imports', {
      schema: {
        tags, security: scoped('links:write'), operationId: 'startImport', querystring: ImportQuery, consumes: [...IMPORT_MEDIA_TYPES], body: ImportFile,
        summary: 'Import the links of an export file of Bitly, Kutt, Shlink, YOURLS or a CSV: a background job; poll its Location for progress and the report',
        // 409: an import of yours is already running.
        response: { 202: json(ImportJob, 'the job, started', LOCATION), ...problems(400, 401, 403, 409, 413, 415) },
      },
    }, async (request, reply) => {
      const actor = requireActor(request);
      const { from, domain, dry_run } = request.query;
      // No body at all (no Content-Type, or an empty one) reaches no parser: there is no file to import.
      if (request.body === undefined) throw invalid('body', 'must be the export file itself, sent as the request body');
      const upload = await saveUpload(request.body as Readable, deps.config.importMaxBytes, request.headers['content-length']);
      const job = await deps.imports.start(actor, { format: from, domain, dryRun: dry_run ?? false }, upload);
      return reply.code(202).header('location', `/api/v1/imports/${job.id}`).send(importJson(job));
    });
  });

  app.get('/imports', {
    schema: {
      tags, security: scoped('links:read'), operationId: 'listImports', summary: 'Your imports, newest first', querystring: PageQuery,
      response: { 200: json(Page(ImportJob), 'a page of imports'), ...problems(400, 401, 403) },
    },
  }, async (request) => {
    const actor = requireActor(request);
    return paged(request.query, (limit, cursor) => listImports(deps, actor, { limit, cursor }), importJson);
  });

  app.get('/imports/:id', {
    schema: {
      tags, security: scoped('links:read'), operationId: 'getImport', summary: 'An import: its progress, and its report once done (owner or admin)',
      params: IdParams, response: { 200: json(ImportJob, 'the import'), ...problems(400, 401, 403, 404) },
    },
  }, async (request) => importJson(await getImport(deps, requireActor(request), request.params.id)));
}

/** The body in a temporary file of its own, counted as it arrives: a 413 as soon as it passes `maxBytes`, never held in memory. */
async function saveUpload(body: Readable, maxBytes: number, declared: string | undefined): Promise<ImportUpload> {
  const tooLarge = new AppError('payload-too-large', `the file is larger than IMPORT_MAX_BYTES (${maxBytes.toLocaleString('en')} bytes)`);
  if (declared !== undefined && Number(declared) > maxBytes) throw tooLarge;
  const dir = await mkdtemp(join(tmpdir(), 'kurz-import-'));
  const file = join(dir, 'export');
  const discard = () => rm(dir, { recursive: true, force: true });
  let bytes = 0;
  try {
    await pipeline(body, async function* (chunks: AsyncIterable<Buffer>) {
      for await (const chunk of chunks) {
        bytes += chunk.length;
        if (bytes > maxBytes) throw tooLarge;
        yield chunk;
      }
    }, createWriteStream(file));
  } catch (err) {
    await discard();
    throw err;
  }
  return { bytes, open: () => createReadStream(file), discard };
}
