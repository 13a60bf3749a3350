import { sql, type Kysely, type Selectable } from 'kysely';
import type { ImportEnd, ImportJob, ImportStatus, ImportStore, NewImportJob, PageQuery } from '../../ports.js';
import type { ImportReport } from '../../domain/import-report.js';
import type { Database } from './schema.js';
import type { StoreDialect } from './dialect.js';

type ImportRow = Selectable<Database['imports']>;

/** The partial unique index of 0012 (one running job per user), as ON CONFLICT must name it to match it on both engines. */
const RUNNING = sql<boolean>`status = 'running'`;

/** Import jobs, one row each; a user's running one is unique (imports_one_running). */
export class KyselyImportStore implements ImportStore {
  private readonly db: Kysely<Database>;

  constructor(dialect: StoreDialect) {
    this.db = dialect.db;
  }

  /**
   * Ends the owner's stale running job, then inserts with ON CONFLICT DO NOTHING on the partial index: of
   * two racing starts, the second's insert waits for the first's (PostgreSQL) or its transaction does
   * (SQLite), and then finds the first's row, which it returns.
   */
  async startImport(job: NewImportJob, staleBefore: number): Promise<{ job: ImportJob; started: boolean }> {
    return this.db.transaction().execute(async (trx) => {
      await trx.updateTable('imports').set({ status: 'interrupted', finished_at: job.createdAt, updated_at: job.createdAt })
        .where('owner_id', '=', job.ownerId).where(RUNNING).where('updated_at', '<', staleBefore).execute();
      const inserted = await trx.insertInto('imports')
        .values({
          id: job.id, owner_id: job.ownerId, format: job.format, status: 'running', dry_run: job.dryRun ? 1 : 0, domain: job.domain,
          bytes_total: job.bytesTotal, report: null, error: null, created_at: job.createdAt, updated_at: job.createdAt, finished_at: null,
        })
        .onConflict((oc) => oc.column('owner_id').where(RUNNING).doNothing())
        .returningAll()
        .executeTakeFirst();
      if (inserted) return { job: toJob(inserted), started: true };
      const running = await trx.selectFrom('imports').selectAll().where('owner_id', '=', job.ownerId).where(RUNNING).executeTakeFirstOrThrow();
      return { job: toJob(running), started: false };
    });
  }

  async recordImportProgress(id: string, { bytesRead, rowsRead }: Pick<ImportJob, 'bytesRead' | 'rowsRead'>, now: number): Promise<void> {
    await this.db.updateTable('imports').set({ bytes_read: bytesRead, rows_read: rowsRead, updated_at: now })
      .where('id', '=', id).where(RUNNING).execute();
  }

  async finishImport(id: string, end: ImportEnd, now: number): Promise<void> {
    await this.db.updateTable('imports')
      .set({
        status: end.status, bytes_read: end.bytesRead, rows_read: end.rowsRead, report: end.report && JSON.stringify(end.report),
        error: end.error, updated_at: now, finished_at: now,
      })
      .where('id', '=', id).where(RUNNING).execute();
  }

  async findImport(id: string): Promise<ImportJob | undefined> {
    const row = await this.db.selectFrom('imports').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toJob(row);
  }

  async listImports({ limit, cursor, ownerId }: PageQuery & { ownerId: string }): Promise<ImportJob[]> {
    let query = this.db.selectFrom('imports').selectAll().where('owner_id', '=', ownerId);
    if (cursor) query = query.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(cursor.createdAt, cursor.id)));
    const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit + 1).execute();
    return rows.map(toJob);
  }

  async interruptStaleImports(staleBefore: number, now: number): Promise<number> {
    const result = await this.db.updateTable('imports').set({ status: 'interrupted', finished_at: now, updated_at: now })
      .where(RUNNING).where('updated_at', '<', staleBefore).executeTakeFirst();
    return Number(result.numUpdatedRows);
  }
}

const toJob = (r: ImportRow): ImportJob => ({
  id: r.id, ownerId: r.owner_id, format: r.format, status: r.status as ImportStatus, dryRun: Number(r.dry_run) === 1, domain: r.domain,
  bytesTotal: Number(r.bytes_total), bytesRead: Number(r.bytes_read), rowsRead: Number(r.rows_read),
  report: r.report === null ? null : JSON.parse(r.report) as ImportReport, error: r.error,
  createdAt: Number(r.created_at), updatedAt: Number(r.updated_at), finishedAt: r.finished_at === null ? null : Number(r.finished_at),
});
