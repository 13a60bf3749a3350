/**
 * How the CLI prints: aligned tables for people, JSON for scripts (`--json`: one object, or one object
 * a line for a list, and nothing else on stdout), and every message, warning and progress line on
 * stderr, so that `kurz link list --json | jq` reads only data.
 */
import type { CliIo, Sink } from './io.js';

/** One column of a table: its header, its cell for a row, and whether it may be cut to fit the terminal. */
export interface Column<R> {
  header: string;
  cell: (row: R) => string;
  /** Numbers read best aligned right. */
  align?: 'right';
  /** A long free-text column (URL, title) that is cut with "…" when the table is wider than the terminal. */
  shrinks?: boolean;
}

/** Colours of the table's parts; identity functions when colour is off. */
export interface Style {
  header: (text: string) => string;
  dim: (text: string) => string;
  warn: (text: string) => string;
}

const ESC = '\u001b[';
const paint = (open: number, close: number) => (text: string) => `${ESC}${open}m${text}${ESC}${close}m`;
const COLOURS: Style = { header: paint(1, 22), dim: paint(2, 22), warn: paint(33, 39) };
const PLAIN: Style = { header: (t) => t, dim: (t) => t, warn: (t) => t };

/** Columns are this far apart. */
const GAP = '  ';
/** A shrinking column keeps at least this many characters (its header's, if longer). */
const MIN_SHRUNK = 8;

/**
 * Colour when the stream is a terminal, unless NO_COLOR is set (to any value: https://no-color.org);
 * FORCE_COLOR (not "0") asks for it in a pipe too, and NO_COLOR still wins over it.
 */
export function colourOn(sink: Sink, env: CliIo['env']): boolean {
  if (env.NO_COLOR !== undefined) return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return sink.isTTY === true;
}

/** East Asian wide and fullwidth ranges, and emoji: two columns on a terminal (Unicode UAX #11). */
const WIDE = /[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{1f300}-\u{1f64f}\u{1f900}-\u{1f9ff}\u{20000}-\u{3fffd}]/u;
/** Combining marks, zero-width spaces and joiners, variation selectors: no column of their own. */
const ZERO = /[\p{Mn}\p{Me}\u200b-\u200f\u2060\ufe00-\ufe0f]/u;
const ANSI = /\u001b\[[0-9;]*m/g;

/** The columns a text takes on a terminal (escape codes take none). */
export function displayWidth(text: string): number {
  let width = 0;
  for (const char of text.replace(ANSI, '')) width += ZERO.test(char) ? 0 : WIDE.test(char) ? 2 : 1;
  return width;
}

/** The text cut to at most `width` columns, ending in "…" when cut. */
export function truncate(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  let kept = '';
  let used = 0;
  for (const char of text) {
    const w = ZERO.test(char) ? 0 : WIDE.test(char) ? 2 : 1;
    if (used + w > width - 1) break;
    kept += char;
    used += w;
  }
  return `${kept}…`;
}

/** Control characters (a newline in a title) would break a row: each shows as one space. */
const oneLine = (text: string): string => text.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');

/**
 * The table's lines: a header, then a row per record, each column as wide as its widest cell. Given a
 * terminal width, shrinking columns are cut (the widest first) until the table fits, or they reach
 * their minimum.
 */
export function formatTable<R>(columns: readonly Column<R>[], rows: readonly R[], options: { width?: number; style?: Style } = {}): string[] {
  const style = options.style ?? PLAIN;
  const cells = rows.map((row) => columns.map((c) => oneLine(c.cell(row))));
  const widths = columns.map((c, i) => Math.max(displayWidth(c.header), ...cells.map((r) => displayWidth(r[i]!))));
  if (options.width !== undefined) fit(columns, widths, options.width);
  const line = (values: string[], paintCell = (t: string) => t) =>
    values.map((value, i) => {
      const cut = truncate(value, widths[i]!);
      const pad = ' '.repeat(widths[i]! - displayWidth(cut));
      const last = i === values.length - 1;
      return columns[i]!.align === 'right' ? pad + paintCell(cut) : paintCell(cut) + (last ? '' : pad);
    }).join(GAP);
  return [line(columns.map((c) => c.header), style.header), ...cells.map((r) => line(r))];
}

/** Narrows the shrinking columns, widest first, until the row fits `width` or none can give more. */
function fit<R>(columns: readonly Column<R>[], widths: number[], width: number): void {
  const total = () => widths.reduce((a, b) => a + b, 0) + GAP.length * (widths.length - 1);
  const floor = (i: number) => Math.max(MIN_SHRUNK, displayWidth(columns[i]!.header));
  while (total() > width) {
    let widest = -1;
    for (let i = 0; i < columns.length; i++) {
      if (columns[i]!.shrinks && widths[i]! > floor(i) && (widest < 0 || widths[i]! > widths[widest]!)) widest = i;
    }
    if (widest < 0) return;
    widths[widest] = Math.max(floor(widest), widths[widest]! - (total() - width));
  }
}

/** A record shown to people as "field  value" lines. */
export type Fields = ReadonlyArray<readonly [label: string, value: string]>;

/** Where a command writes what it found or did: tables or JSON to stdout, messages to stderr. */
export class Output {
  readonly style: Style;

  constructor(
    private readonly io: Pick<CliIo, 'stdout' | 'stderr' | 'env'>,
    /** `--json`: stdout carries JSON only. */
    readonly json: boolean,
  ) {
    this.style = colourOn(io.stdout, io.env) ? COLOURS : PLAIN;
  }

  /** A list: a table, or one JSON object a line. An empty list prints the header alone (or nothing, as JSON). */
  list<R>(rows: readonly R[], columns: readonly Column<R>[], toJson: (row: R) => unknown): void {
    if (this.json) {
      for (const row of rows) this.io.stdout.write(`${JSON.stringify(toJson(row))}\n`);
      return;
    }
    const width = this.io.stdout.isTTY ? this.io.stdout.columns : undefined;
    for (const line of formatTable(columns, rows, { width, style: this.style })) this.io.stdout.write(`${line}\n`);
  }

  /** One record: "field  value" lines, or one JSON object. */
  item(fields: Fields, json: unknown): void {
    if (this.json) {
      this.io.stdout.write(`${JSON.stringify(json)}\n`);
      return;
    }
    const width = Math.max(...fields.map(([label]) => displayWidth(label)));
    for (const [label, value] of fields) {
      this.io.stdout.write(`${this.style.header(label.padEnd(width))}  ${oneLine(value)}\n`);
    }
  }

  /** A line of data for people, such as an API key shown once (stdout: it is the result); skipped with `--json`, whose object carries it. */
  line(text: string): void {
    if (!this.json) this.io.stdout.write(`${text}\n`);
  }

  /** What happened, for the person at the terminal (stderr, so that stdout stays data). */
  note(text: string): void {
    this.io.stderr.write(`kurz: ${text}\n`);
  }

  /** Something to act on. */
  warn(text: string): void {
    this.io.stderr.write(`kurz: ${this.errStyle().warn('warning:')} ${text}\n`);
  }

  private errStyle(): Style {
    return colourOn(this.io.stderr, this.io.env) ? COLOURS : PLAIN;
  }
}
