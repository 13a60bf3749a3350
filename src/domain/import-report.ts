/**
 * What an import tells its caller, the same for the command line, the API and the dashboard: how many
 * rows went each way, and the first few of each kind that did not go in, by line, so that a file can be
 * fixed without reading a log of a million lines.
 */

/** One row that did not go in: where it is in the file, its code (null: none), and why. */
export interface ImportExample {
  line: number;
  code: string | null;
  reason: string;
}

/** The kinds of rows that did not go in, each with its examples. */
export const NOT_IMPORTED = ['duplicates', 'conflicts', 'invalid', 'skipped'] as const;
export type NotImported = (typeof NOT_IMPORTED)[number];

/** Counts of rows by outcome; read = imported + duplicates + conflicts + invalid + skipped. */
export interface ImportReport extends Record<NotImported, number> {
  read: number;
  imported: number;
  /** Stopped between two batches (a signal); running the same file again goes on where it stopped. */
  interrupted: boolean;
  dryRun: boolean;
  /** What the counts do not say, such as links put on the default domain because Kurz has none of their host. */
  notes: string[];
  /** The first rows of each kind, in file order. */
  examples: Record<NotImported, ImportExample[]>;
}

/** Examples kept per kind: enough to see a pattern, few enough to show in a table. */
export const MAX_EXAMPLES = 10;

export function emptyReport(dryRun: boolean): ImportReport {
  return {
    read: 0, imported: 0, duplicates: 0, conflicts: 0, invalid: 0, skipped: 0, interrupted: false, dryRun, notes: [],
    examples: { duplicates: [], conflicts: [], invalid: [], skipped: [] },
  };
}

/**
 * Counts one row that did not go in, keeping the first ones by line: within a batch, rows are decided
 * out of file order (a reserved code before the insert finds a taken one), so an example may go before others.
 */
export function count(report: ImportReport, kind: NotImported, example: ImportExample): void {
  report[kind] += 1;
  const examples = report.examples[kind];
  if (examples.length === MAX_EXAMPLES && examples[MAX_EXAMPLES - 1]!.line <= example.line) return;
  const at = examples.findIndex((e) => e.line > example.line);
  examples.splice(at === -1 ? examples.length : at, 0, example);
  if (examples.length > MAX_EXAMPLES) examples.pop();
}
