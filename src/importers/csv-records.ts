/**
 * RFC 4180 records from a stream of bytes, one chunk at a time: a UTF-8 BOM skipped, CRLF or LF, quoted
 * fields holding commas, doubled quotes and line breaks, and the line each record starts on.
 *
 * Why not csv-parse (the tests use it, to read exports independently): on this busy 2-core machine it read 200,000 rows of seven fields
 * in 2.7–3.4 s, this scanner (decoding every field) in 0.5–0.6 s, and the import bench needs a reader well
 * over 100,000 rows/s; csv-parse 6.2 counts a CRLF inside a quoted field as two lines, so every later row's
 * line is off; and after a malformed quote its `skip_records_with_error` swallowed the rows that followed.
 * Here a malformed record is one invalid row, and reading goes on after its line break.
 *
 * Fields stay bytes until asked for: a reader decodes only the columns it uses, so a byte that is not
 * UTF-8 in an ignored column costs nothing, and one in a used column is reported with its column.
 */
import { isUtf8 } from 'node:buffer';
import { firstInvalidByte } from './utf8.js';

const QUOTE = 0x22;
const COMMA = 0x2c;
const SEMICOLON = 0x3b;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const BOM = [0xef, 0xbb, 0xbf];
/** A record longer than this is reported and skipped, so memory stays bounded whatever the file holds. */
export const MAX_RECORD_BYTES = 1 << 20;

/** Where the scanner is inside the current record. */
const enum At { FieldStart, Unquoted, Quoted, AfterQuote }

/** A field's flags: quoted, and holding doubled quotes to undo. */
const QUOTED = 1;
const DOUBLED = 2;

/** One record: its fields as byte ranges of `bytes`, or why it cannot be read. */
export class CsvRecord {
  private valid: boolean | undefined;
  constructor(
    /** The 1-based line of the file where the record starts. */
    readonly line: number,
    private readonly bytes: Buffer,
    /** Per field: start, end, flags. */
    private readonly cells: number[],
    /** Why the record cannot be read (a broken quote, too long), or null. */
    readonly fault: string | null,
  ) {}

  /** How many fields the record has. */
  get size(): number {
    return this.cells.length / 3;
  }

  /** Whether field `i` was written inside quotes (phpMyAdmin writes SQL NULL as a bare NULL, a value always quoted). */
  quoted(i: number): boolean {
    return i < this.size && (this.cells[i * 3 + 2]! & QUOTED) !== 0;
  }

  /** Field `i` as text ('' past the last field), or undefined when its bytes are not UTF-8. */
  text(i: number): string | undefined {
    if (i >= this.size) return '';
    const start = this.cells[i * 3]!;
    const end = this.cells[i * 3 + 1]!;
    if (!this.utf8() && !isUtf8(this.bytes.subarray(start, end))) return undefined;
    const text = this.bytes.toString('utf8', start, end);
    return (this.cells[i * 3 + 2]! & DOUBLED) !== 0 ? text.replaceAll('""', '"') : text;
  }

  /** The first byte of field `i` that does not start a valid UTF-8 sequence, or undefined when all do. */
  badByte(i: number): number | undefined {
    if (i >= this.size) return undefined;
    const field = this.bytes.subarray(this.cells[i * 3]!, this.cells[i * 3 + 1]!);
    const at = firstInvalidByte(field);
    return at < 0 ? undefined : field[at];
  }

  /** Whether the whole record is UTF-8, checked once: delimiters are ASCII, so then every field is too. */
  private utf8(): boolean {
    if (this.valid === undefined) {
      const n = this.cells.length;
      this.valid = n === 0 || isUtf8(this.bytes.subarray(this.cells[0]!, this.cells[n - 2]!));
    }
    return this.valid;
  }
}

/**
 * A resumable scanner: `push` each chunk, then `end`; each returns the records completed so far, in
 * order. Empty lines are skipped. Memory is the current record plus one chunk. Fields are separated by
 * commas, unless the first line has none outside quotes and has semicolons (what a spreadsheet saves as
 * CSV where the comma is the decimal mark) or tabs.
 */
export class CsvScanner {
  /** The bytes not yet handed out: the current record from `start`, and what is left to scan. */
  private buf: Buffer = Buffer.alloc(0);
  /** The next byte to scan. */
  private pos = 0;
  /** Where the current record starts. */
  private start = 0;
  /** The line the current record starts on. */
  private line = 1;
  /** Line breaks inside the current record's quoted fields so far. */
  private breaks = 0;
  private at = At.FieldStart;
  private fieldStart = 0;
  /** The current field's QUOTED and DOUBLED flags. */
  private flags = 0;
  /** The current record's finished fields: start, end, flags. */
  private cells: number[] = [];
  private fault: string | null = null;
  private bomChecked = false;
  /** The field separator, once the first line has told it. */
  private delimiter = 0;

  /** Adds a chunk; returns the records it completed. */
  push(chunk: Uint8Array): CsvRecord[] {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.buf = this.buf.length === this.start ? bytes : Buffer.concat([this.buf.subarray(this.start), bytes]);
    this.rebase(this.start);
    if (!this.bomChecked && !this.skipBom()) return [];
    if (this.delimiter === 0 && !this.sniff(false)) return [];
    const out: CsvRecord[] = [];
    this.scan(out, false);
    this.bound();
    return out;
  }

  /** Ends the input; returns the last record, if the file did not end with a line break. */
  end(): CsvRecord[] {
    const out: CsvRecord[] = [];
    this.bomChecked = true;
    this.sniff(true);
    this.scan(out, true);
    const open = this.pos > this.start || this.cells.length > 0;
    if (this.at === At.Quoted) this.fault ??= 'a quoted field is never closed: the file ends inside it';
    else if (this.at === At.Unquoted) this.cells.push(this.fieldStart, this.trimCr(this.pos), this.flags);
    else if (this.at === At.FieldStart && open) this.cells.push(this.pos, this.pos, 0);
    if (open) this.finishRecord(out, this.pos);
    return out;
  }

  /** Drops a leading UTF-8 BOM; false while fewer than three bytes have come to tell. */
  private skipBom(): boolean {
    const b = this.buf;
    if (b.length < 3 && b.every((v, i) => v === BOM[i])) return false;
    this.bomChecked = true;
    if (b[0] === BOM[0] && b[1] === BOM[1] && b[2] === BOM[2]) this.pos = this.start = this.fieldStart = 3;
    return true;
  }

  /** Picks the separator from the first line; false while that line has not ended (and is within bounds). */
  private sniff(last: boolean): boolean {
    if (this.delimiter !== 0) return true;
    const b = this.buf;
    let quoted = false;
    let semicolon = false;
    let tab = false;
    for (let i = this.start; i < b.length; i++) {
      const c = b[i];
      if (c === QUOTE) quoted = !quoted;
      else if (quoted) continue;
      else if (c === COMMA) return this.decide(COMMA);
      else if (c === LF) return this.decide(semicolon ? SEMICOLON : tab ? TAB : COMMA);
      else if (c === SEMICOLON) semicolon = true;
      else if (c === TAB) tab = true;
    }
    return last || b.length - this.start > MAX_RECORD_BYTES ? this.decide(semicolon ? SEMICOLON : tab ? TAB : COMMA) : false;
  }

  /** Settles the separator; true, for `sniff` to return. */
  private decide(delimiter: number): true {
    this.delimiter = delimiter;
    return true;
  }

  /** Shifts every index after dropping the `by` bytes already handed out. */
  private rebase(by: number): void {
    if (by === 0) return;
    this.pos -= by;
    this.start -= by;
    this.fieldStart -= by;
    for (let i = 0; i < this.cells.length; i += 3) {
      this.cells[i]! -= by;
      this.cells[i + 1]! -= by;
    }
  }

  /** Once a record outgrows the bound, forgets its bytes and only follows quotes to find its end. */
  private bound(): void {
    if (!this.tooLong(this.pos)) return;
    this.cells = [];
    this.fieldStart = this.start = this.pos;
  }

  /** The end of an unquoted field ending at `i`, without the CR of a CRLF. */
  private trimCr(i: number): number {
    return i > this.fieldStart && this.buf[i - 1] === CR ? i - 1 : i;
  }

  /** Scans from `pos` to the end of the buffer, handing out each record it completes; `last`: no byte will follow. */
  private scan(out: CsvRecord[], last: boolean): void {
    const b = this.buf;
    const n = b.length;
    let i = this.pos;
    while (i < n) {
      if (this.at === At.FieldStart) {
        this.fieldStart = i;
        this.flags = 0;
        this.at = At.Unquoted;
        if (b[i] === QUOTE) {
          this.at = At.Quoted;
          this.flags = QUOTED;
          this.fieldStart = ++i;
        }
      } else if (this.at === At.Unquoted) {
        const d = this.delimiter;
        while (i < n && b[i] !== d && b[i] !== LF) i++;
        if (i === n) break;
        this.cells.push(this.fieldStart, b[i] === LF ? this.trimCr(i) : i, this.flags);
        i = this.afterField(out, i);
      } else if (this.at === At.Quoted) {
        const q = b.indexOf(QUOTE, i);
        const stop = q < 0 ? n : q;
        for (let l = b.indexOf(LF, i); l >= 0 && l < stop; l = b.indexOf(LF, l + 1)) this.breaks++;
        // A quote that ends the chunk may be the first of a doubled pair: wait for the next byte.
        if (q < 0 || (q + 1 === n && !last)) {
          i = stop;
          break;
        }
        if (b[q + 1] === QUOTE) {
          this.flags |= DOUBLED;
          i = q + 2;
          continue;
        }
        this.cells.push(this.fieldStart, q, this.flags);
        this.at = At.AfterQuote;
        i = q + 1;
      } else {
        const c = b[i]!;
        if (c === CR && i + 1 === n) {
          if (!last) break;
          i++;
        } else if (c === this.delimiter || c === LF) {
          i = this.afterField(out, i);
        } else if (c === CR && b[i + 1] === LF) {
          i = this.afterField(out, i + 1);
        } else {
          this.fault ??= `a closing quote on line ${this.line + this.breaks} is followed by ${JSON.stringify(String.fromCharCode(c))}, not a separator or a line break`;
          this.cells.length -= 3;
          this.at = At.Unquoted;
        }
      }
    }
    this.pos = i;
  }

  /** After a field ends at the delimiter `i` (the separator or an LF): the next field, or the next record. */
  private afterField(out: CsvRecord[], i: number): number {
    this.at = At.FieldStart;
    this.fieldStart = i + 1;
    if (this.buf[i] === this.delimiter) return i + 1;
    this.finishRecord(out, i);
    this.line += this.breaks + 1;
    this.breaks = 0;
    this.start = i + 1;
    return i + 1;
  }

  /** Whether the record, up to `end`, is past the bound (then it is faulted so). */
  private tooLong(end: number): boolean {
    if (end - this.start <= MAX_RECORD_BYTES) return false;
    this.fault ??= `the row is longer than ${MAX_RECORD_BYTES} bytes`;
    return true;
  }

  /** Hands out the record that ends at `end`, unless it is an empty line. */
  private finishRecord(out: CsvRecord[], end: number): void {
    this.tooLong(end);
    const cells = this.cells;
    const empty = cells.length === 3 && cells[0] === cells[1] && cells[2] === 0;
    if (!empty || this.fault !== null) out.push(new CsvRecord(this.line, this.buf, cells, this.fault));
    this.cells = [];
    this.fault = null;
    this.at = At.FieldStart;
  }
}
