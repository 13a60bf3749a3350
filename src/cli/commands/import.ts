/** `kurz import`: moving in from another shortener's export, with progress, stopped cleanly by Ctrl-C. */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { invalid } from '../../domain/errors.js';
import { NOT_IMPORTED, type ImportReport } from '../../domain/import-report.js';
import { importReportJson } from '../../http/present.js';
import { readerFor } from '../../importers/index.js';
import { IMPORT_FORMATS, UnreadableFile, type ImportFormat } from '../../importers/record.js';
import { importLinks } from '../../use-cases/import-links.js';
import type { CliIo } from '../io.js';
import { jsonOption, withSession } from '../kit.js';
import type { Fields, Output } from '../output.js';
import { Progress } from '../progress.js';
import { actorOf, oldestAdmin, userByEmail } from '../session.js';
import { withSettings } from '../settings.js';

const HELP = `
Formats (--from):
  bitly   Bitly's CSV export (Links → Export), or a page of its API's bitlinks JSON
  kutt    Kutt's links as its API v2 returns them (GET /api/v2/links, JSON)
  shlink  the CSV that Shlink's web client exports from its short URLs list
  yourls  the yourls_url table: a phpMyAdmin CSV export, or a mysqldump / mariadb-dump file
  csv     any CSV with a url column (and code, title, tags separated by |, created_at,
          expires_at, clicks), which is also what kurz export writes

A code that exists already is reported as a conflict, never overwritten; the same link imported
before is a duplicate, so running an import again adds nothing and goes on where an interrupted one
stopped. Ctrl-C stops between two batches of rows: what was written stays, whole.

Examples:
  kurz import --from bitly bitly-links.csv --owner ann@example.com
  kurz import --from yourls yourls.sql --domain go.example.com --dry-run
  kurz import --from csv links.csv --json > report.json`;

/** The file's bytes, counting into the progress bar as they are read (a file's size is known; stdin's is not). */
async function* counted(chunks: AsyncIterable<Buffer>, progress: Progress | undefined): AsyncIterable<Buffer> {
  for await (const chunk of chunks) {
    progress?.advance(chunk.length);
    yield chunk;
  }
}

/** The file to read: a path, or `-` for stdin; its size when known. */
async function opened(file: string, io: CliIo): Promise<{ bytes: AsyncIterable<Buffer>; size?: number }> {
  if (file === '-') return { bytes: io.stdin as AsyncIterable<Buffer> };
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) throw invalid('FILE', `${file} is not a file that can be read`);
  // 256 KiB reads: a million-row export is a few hundred reads, not thousands.
  return { bytes: createReadStream(file, { highWaterMark: 256 * 1024 }), size: info.size };
}

/** The report for people: the counts, then up to ten rows of each kind that did not go in. */
function show(out: Output, report: ImportReport): void {
  const n = (x: number) => x.toLocaleString('en');
  const fields: Fields = [
    ['read', n(report.read)], [report.dryRun ? 'would import' : 'imported', n(report.imported)],
    ...NOT_IMPORTED.map((kind) => [kind, n(report[kind])] as const),
  ];
  out.item(fields, importReportJson(report));
  // With --json the report object carries its examples and notes: nothing else goes to stdout.
  if (out.json) return;
  for (const kind of NOT_IMPORTED) {
    const examples = report.examples[kind];
    if (examples.length === 0) continue;
    out.line(`\n${kind} (the first ${examples.length}):`);
    out.list(examples, [
      { header: 'LINE', cell: (e) => String(e.line), align: 'right' },
      { header: 'CODE', cell: (e) => e.code ?? '—' },
      { header: 'REASON', cell: (e) => e.reason, shrinks: true },
    ], (e) => e);
  }
  for (const note of report.notes) out.note(note);
}

export function importCommand(program: Command, io: CliIo): void {
  withSettings(program.command('import')
    .description('import the links of another shortener\'s export (Bitly, Kutt, Shlink, YOURLS, CSV)')
    .argument('<file>', 'the export file, or - for stdin')
    .addOption(new Option('--from <format>', 'the shortener that wrote it').choices(IMPORT_FORMATS).makeOptionMandatory())
    .option('--owner <email>', 'whose links they become (default: the oldest admin)')
    .option('--domain <host>', 'put every link on this domain (default: each link\'s own host when Kurz has it, else BASE_URL\'s)')
    .option('--dry-run', 'check every row and report, writing nothing')
    .addOption(jsonOption())
    .addHelpText('after', HELP))
    .action((file: string, options: { from: ImportFormat; owner?: string; domain?: string; dryRun?: boolean }, command: Command) =>
      withSession(io, command, async (deps, out) => {
        const owner = options.owner === undefined ? await oldestAdmin(deps.store) : actorOf(await userByEmail(deps.store, options.owner, '--owner'));
        const { bytes, size } = await opened(file, io);
        const progress = size === undefined ? undefined : new Progress(io.stderr, 'bytes', size);
        const interruption = io.interruptible();
        let report: ImportReport;
        try {
          report = await importLinks(deps, {
            rows: readerFor(options.from)(counted(bytes, progress)),
            owner: owner.user, domain: options.domain, dryRun: options.dryRun, signal: interruption.signal,
          });
        } catch (err) {
          // A file that is not the format named is what the user typed wrong (exit 2), not a failure.
          if (err instanceof UnreadableFile) throw invalid('--from', err.message);
          throw err;
        } finally {
          interruption.release();
          progress?.end();
        }
        show(out, report);
        if (report.interrupted) throw new Error(`interrupted after ${report.read.toLocaleString('en')} rows: run the same command again to go on`);
      }));
}
