import type { Logger } from 'pino';
import type { Cursor } from '../domain/cursor.js';
import { AppError, notFound } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { UnreadableFile, type ImportFormat, type ImportReader } from '../importers/record.js';
import type { ImportJob, ImportStore } from '../ports.js';
import { type Acting, type Actor, isAdmin } from './actor.js';
import { importLinks, usableDomain, type ImportDeps } from './import-links.js';

/** What import jobs use: the import's own, the jobs' store, the readers and a log for what fails. */
export interface ImportJobDeps extends ImportDeps {
  /** Links, and the jobs with their progress. */
  store: ImportDeps['store'] & ImportStore;
  /** The reader of each format (importers/index.ts; tests inject their own). */
  importReader: (format: ImportFormat) => ImportReader;
  /** Where a job that fails for a reason other than its file is logged. */
  log: Pick<Logger, 'error' | 'warn'>;
}

/** An uploaded export, kept somewhere while its job reads it. */
export interface ImportUpload {
  bytes: number;
  /** Its bytes from the start. */
  open(): AsyncIterable<Uint8Array>;
  /** Removes it; called once, when its job has ended or was refused. */
  discard(): Promise<void>;
}

export interface ImportRequest {
  format: ImportFormat;
  /** Host every link goes to; absent: each row's own. */
  domain?: string;
  dryRun: boolean;
}

/** A job's heartbeat: progress written this often while it runs, well inside the 60 s after which a silent job counts as dead. */
export const HEARTBEAT_MS = 2_000;
/** A running job whose heartbeat is older than this lost its instance: it is shown, and at start-up marked, interrupted. */
export const STALE_AFTER_MS = 60_000;

/**
 * The import jobs this instance runs in the background, one per user at most (the store enforces it
 * across instances). close() stops them between batches and marks them interrupted.
 */
export class ImportJobs {
  private readonly running = new Map<string, { controller: AbortController; done: Promise<void> }>();

  constructor(private readonly deps: ImportJobDeps) {}

  /** check the domain → claim the user's one running slot (409 if taken) → run in the background → the job as it starts */
  async start(actor: Acting, request: ImportRequest, upload: ImportUpload): Promise<ImportJob> {
    const { deps } = this;
    const now = deps.clock();
    let claim: { job: ImportJob; started: boolean };
    try {
      if (request.domain !== undefined) usableDomain(deps, actor.user, request.domain);
      claim = await deps.store.startImport({
        id: newId(now), ownerId: actor.user.id, format: request.format, dryRun: request.dryRun, domain: request.domain ?? null, bytesTotal: upload.bytes, createdAt: now,
      }, now - STALE_AFTER_MS);
    } catch (err) {
      await upload.discard();
      throw err;
    }
    if (!claim.started) {
      await upload.discard();
      throw new AppError('conflict', `an import is already running: ${claim.job.id} (GET /api/v1/imports/${claim.job.id})`);
    }
    const controller = new AbortController();
    const done = this.run(claim.job, actor, request, upload, controller.signal).finally(() => this.running.delete(claim.job.id));
    this.running.set(claim.job.id, { controller, done });
    return claim.job;
  }

  /** Marks interrupted the jobs whose instance died (no heartbeat for a minute); at start-up. */
  async interruptStale(): Promise<void> {
    const now = this.deps.clock();
    await this.deps.store.interruptStaleImports(now - STALE_AFTER_MS, now);
  }

  /** Resolves when every job running now has ended and its outcome is written. */
  async settled(): Promise<void> {
    await Promise.all([...this.running.values()].map(({ done }) => done));
  }

  /** Stops every running job between two batches and waits until each is marked interrupted. */
  async close(): Promise<void> {
    for (const { controller } of this.running.values()) controller.abort();
    await this.settled();
  }

  /** Reads the upload through the format's reader into importLinks, writing progress as it goes; never rejects. */
  private async run(job: ImportJob, actor: Acting, request: ImportRequest, upload: ImportUpload, signal: AbortSignal): Promise<void> {
    const { deps } = this;
    const progress = { bytesRead: 0, rowsRead: 0 };
    const beat = () => deps.store.recordImportProgress(job.id, progress, deps.clock())
      .catch((err: unknown) => deps.log.warn({ err, importId: job.id }, 'import progress could not be written'));
    const heartbeat = setInterval(() => void beat(), HEARTBEAT_MS);
    heartbeat.unref();
    try {
      const rows = deps.importReader(request.format)(counted(upload.open(), progress));
      const report = await importLinks(deps, {
        rows, owner: actor.user, domain: request.domain, dryRun: request.dryRun, signal, onProgress: ({ rows }) => (progress.rowsRead = rows),
      });
      await deps.store.finishImport(job.id, { status: report.interrupted ? 'interrupted' : 'done', report, error: null, ...progress }, deps.clock());
    } catch (err) {
      // A file its reader cannot read is its owner's to fix (the job says why); anything else is ours.
      if (!(err instanceof UnreadableFile || err instanceof AppError)) deps.log.error({ err, importId: job.id }, 'import failed');
      await deps.store.finishImport(job.id, { status: 'failed', report: null, error: messageOf(err), ...progress }, deps.clock())
        .catch((e: unknown) => deps.log.error({ err: e, importId: job.id }, 'import could not be marked failed'));
    } finally {
      clearInterval(heartbeat);
      await upload.discard().catch((err: unknown) => deps.log.warn({ err, importId: job.id }, 'import file could not be removed'));
    }
  }
}

/** The bytes, counted into `progress` as the reader takes them. */
async function* counted(source: AsyncIterable<Uint8Array>, progress: { bytesRead: number }): AsyncIterable<Uint8Array> {
  for await (const chunk of source) {
    progress.bytesRead += chunk.length;
    yield chunk;
  }
}

/** What a failed job says: why the file cannot be read (its reader says), or a generic line, never an internal message or a stack (those go to the log). */
const messageOf = (err: unknown): string =>
  err instanceof UnreadableFile ? err.message : err instanceof AppError ? err.detail : 'the import stopped on an unexpected error; the server log has its details';

/** A job as its owner (or an admin) sees it: a running one without a heartbeat for a minute lost its instance. */
export async function getImport(deps: { store: Pick<ImportStore, 'findImport'>; clock: () => number }, actor: Actor, id: string): Promise<ImportJob> {
  const job = await deps.store.findImport(id);
  // Another user's job answers exactly like a missing one.
  if (!job || (job.ownerId !== actor.user.id && !isAdmin(actor))) throw notFound('import');
  return shown(job, deps.clock());
}

/** The actor's own jobs, newest first. */
export async function listImports(
  deps: { store: Pick<ImportStore, 'listImports'>; clock: () => number }, actor: Actor, page: { limit: number; cursor?: Cursor },
): Promise<ImportJob[]> {
  const now = deps.clock();
  return (await deps.store.listImports({ ...page, ownerId: actor.user.id })).map((job) => shown(job, now));
}

const shown = (job: ImportJob, now: number): ImportJob =>
  (job.status === 'running' && job.updatedAt < now - STALE_AFTER_MS ? { ...job, status: 'interrupted' } : job);
