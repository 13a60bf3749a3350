/** What the import page knows of the formats and of a job, apart from how it shows them. */
import type { ImportFormat, ImportJob, ImportReport } from './types.js';

/** The formats, in the order the page offers them, each with the export file it means. */
export const IMPORT_CHOICES: readonly { format: ImportFormat; name: string; file: string }[] = [
  { format: 'bitly', name: 'Bitly', file: 'The CSV export of your links, or a page of its API v4 bitlinks (JSON).' },
  { format: 'kutt', name: 'Kutt', file: 'Your links as its API v2 lists them (GET /api/v2/links, JSON).' },
  { format: 'shlink', name: 'Shlink', file: 'The short URLs CSV that its web client exports.' },
  { format: 'yourls', name: 'YOURLS', file: 'The yourls_url table: a phpMyAdmin CSV export or a MySQL/MariaDB dump (.sql).' },
  { format: 'csv', name: 'CSV', file: 'A url column; code, title, tags (separated by |), created_at, expires_at and clicks if you have them. Kurz’s own export is one.' },
];

export const formatName = (format: ImportFormat): string => IMPORT_CHOICES.find((c) => c.format === format)?.name ?? format;

export const STATUS_NAMES: Record<ImportJob['status'], string> = {
  running: 'Running',
  done: 'Done',
  failed: 'Failed',
  interrupted: 'Interrupted',
};

/** The share of the file read, 0 to 100; null when the size is unknown (an empty file), so the bar shows no amount. */
export function percentRead(job: Pick<ImportJob, 'bytes_read' | 'bytes_total'>): number | null {
  if (job.bytes_total <= 0) return null;
  return Math.min(100, Math.floor((job.bytes_read / job.bytes_total) * 100));
}

/**
 * What a screen reader hears while a job runs: a sentence per tenth of the file, not one per poll
 * (every 500 ms), which would talk over everything else.
 */
export function progressAnnouncement(job: ImportJob): string {
  const percent = percentRead(job);
  const verb = job.dry_run ? 'Checking' : 'Importing';
  return percent === null ? `${verb}…` : `${verb}: ${Math.floor(percent / 10) * 10} % read.`;
}

/** The heading of a finished job's report. */
export function reportTitle(job: ImportJob): string {
  const what = job.dry_run ? 'Check' : 'Import';
  if (job.status === 'failed') return `${what} failed`;
  if (job.status === 'interrupted' || job.report?.interrupted) return `${what} interrupted`;
  return job.dry_run ? 'Check done: nothing was changed' : 'Import done';
}

/** The kinds of rows that did not go in, in the report's order, with how the page names them. */
export const EXAMPLE_KINDS: readonly { kind: keyof ImportReport['examples']; name: string }[] = [
  { kind: 'conflicts', name: 'Conflicts' },
  { kind: 'invalid', name: 'Invalid rows' },
  { kind: 'duplicates', name: 'Duplicates' },
  { kind: 'skipped', name: 'Skipped' },
];

/** `jobs` with `job` in place of its older copy, or first when it is new (the list is newest first). */
export function upsertJob(jobs: ImportJob[], job: ImportJob): ImportJob[] {
  return jobs.some((j) => j.id === job.id) ? jobs.map((j) => (j.id === job.id ? job : j)) : [job, ...jobs];
}
