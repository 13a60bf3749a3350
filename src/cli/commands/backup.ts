/**
 * `kurz backup`: a consistent copy of the SQLite database, taken while servers run. PostgreSQL is
 * backed up with its own `pg_dump` (docs/OPERATIONS.md, "Back up and restore"): it must be at least the
 * server's version and takes the connection's options and credentials as PostgreSQL's tools do, which a
 * wrapper here would only hide; so on PostgreSQL this says which command to run, and exits 2.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { backupSqlite } from '../../adapters/store/sqlite-backup.js';
import { parseDatabase } from '../../config.js';
import { invalid, notFound } from '../../domain/errors.js';
import type { CliIo } from '../io.js';
import { withSettings } from '../settings.js';

export function backupCommand(program: Command, io: CliIo): void {
  withSettings(program.command('backup')
    .description('copy the SQLite database, consistent while servers write to it (PostgreSQL: pg_dump)')
    .requiredOption('--output <file>', 'the backup file (replaced only once the copy is complete and checked)')
    .addHelpText('after', '\nExamples:\n  kurz backup --output /backups/kurz-$(date +%F).db --database-url sqlite:./data/kurz.db\n'
      + '\nRestore: stop every server, replace the database file by the backup, delete its -wal and -shm files, start.'))
    .action((options: { output: string; databaseUrl?: string }) => {
      const env = options.databaseUrl === undefined ? io.env : { ...io.env, DATABASE_URL: options.databaseUrl };
      const database = parseDatabase(env);
      if (database.kind === 'postgres') {
        // The URL is not repeated: it may hold a password.
        throw invalid('--database-url', 'names PostgreSQL: kurz backup copies SQLite only; back PostgreSQL up with '
          + `pg_dump --format=custom --dbname="$DATABASE_URL" --file=${options.output} (docs/OPERATIONS.md, "Back up and restore")`);
      }
      if (database.file === ':memory:') throw invalid('--database-url', 'names an in-memory database, which no other process can read');
      if (!existsSync(database.file)) throw notFound(`the database ${database.file}`);
      if (resolve(options.output) === resolve(database.file)) throw invalid('--output', 'is the database itself');
      const started = Date.now();
      const { bytes, links } = backupSqlite(database.file, options.output);
      io.stdout.write(`backed up ${database.file} to ${options.output}: ${links} links, ${bytes} bytes, integrity ok, in ${Date.now() - started} ms\n`);
    });
}
