/**
 * The rows of a MySQL/MariaDB dump, streamed: a hand-written state machine over the bytes that yields
 * each tuple of an `INSERT … VALUES (…),(…);` as it closes, so an extended insert of many megabytes is
 * never held whole. It reads what `mysqldump` and `mariadb-dump` write (a YOURLS database as mysqldump
 * 10.13 wrote it: prisma/database-schema-examples mysql/yourls/schema.sql; mariadb-dump 11.4's head,
 * with its `/*M!999999\- enable the sandbox mode *\/` first line: dendianugerah/velld issue 68 and
 * https://mariadb.org/mariadb-dump-file-compatibility-change/): `--` and `#` line comments, `/* … *\/`
 * and conditional `/*!40101 … *\/` comments, `SET`, `DROP TABLE`, `LOCK TABLES`, `CREATE TABLE` (whose
 * column definitions give the column order), extended and one-row inserts, with or without a column
 * list (`--complete-insert`), `INSERT IGNORE` and `REPLACE`. Values are strings in '…' or "…" with
 * MySQL's escapes (\0 \' \" \b \n \r \t \Z \\, and a doubled quote), NULL, numbers, and hexadecimal
 * literals (0x41, X'41', as `--hex-blob` writes) with an optional charset introducer (`_binary 'a'`).
 */
import { UnreadableFile } from './record.js';

/** A value of a tuple: the bytes of a string or hex literal, the text of a bare word (a number), or NULL. */
export type SqlValue = Uint8Array | string | null;

/** One tuple of an INSERT into a table the caller asked for. */
export interface SqlRow {
  /** 1-based line of the file where the tuple's `(` is. */
  line: number;
  /** The table's name, lower-case, without its database. */
  table: string;
  /** The INSERT's column list, else the table's CREATE TABLE columns, else null (unknown). */
  columns: readonly string[] | null;
  /** The tuple's values, in its order. */
  values: SqlValue[];
}

/** Decides, from an INSERT's table and columns, whether its tuples are wanted (others are only skipped over). */
export type TablePicker = (table: string, columns: readonly string[] | null) => boolean;

const enum Lex {
  Top, Word, Str, StrEscape, StrQuote, Ident, IdentQuote, LineComment, BlockComment, BlockStar, Dash, DashDash, Slash,
}

/** Where a parenthesis leaves a statement. */
const enum Paren { None, Opened, Closed, Inner }

/** What the lexer hands the statement machine. */
const enum Tok { Word, Str, Ident, Punct }

const ESCAPES: Record<number, number> = { 0x30: 0x00, 0x62: 0x08, 0x6e: 0x0a, 0x72: 0x0d, 0x74: 0x09, 0x5a: 0x1a };
const BACKSLASH = 0x5c;
// Bytes that end a bare word: white space, control bytes, quotes and the punctuation of statements.
const ENDS_WORD = new Uint8Array(256);
for (let b = 0; b <= 0x20; b++) ENDS_WORD[b] = 1;
for (const c of `()',;"\`=`) ENDS_WORD[c.charCodeAt(0)] = 1;
const DEFINITION_KEYWORDS = new Set(['PRIMARY', 'KEY', 'UNIQUE', 'INDEX', 'CONSTRAINT', 'FULLTEXT', 'SPATIAL', 'FOREIGN', 'CHECK', 'PERIOD']);
const INSERT_MODIFIERS = new Set(['INTO', 'IGNORE', 'LOW_PRIORITY', 'DELAYED', 'HIGH_PRIORITY']);

/** A growing byte buffer (strings may span chunks and hold escapes). */
class Bytes {
  private buf = new Uint8Array(256);
  length = 0;
  push(byte: number): void {
    if (this.length === this.buf.length) this.grow(1);
    this.buf[this.length++] = byte;
  }
  append(part: Uint8Array): void {
    if (this.length + part.length > this.buf.length) this.grow(part.length);
    this.buf.set(part, this.length);
    this.length += part.length;
  }
  take(): Uint8Array {
    const out = this.buf.slice(0, this.length);
    this.length = 0;
    return out;
  }
  private grow(more: number): void {
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + more));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }
}

const hexBytes = (hex: string): Uint8Array | null =>
  hex.length % 2 === 0 && /^[0-9a-f]*$/i.test(hex) ? Uint8Array.from(Buffer.from(hex, 'hex')) : null;

const latin1 = new TextDecoder('latin1');
const utf8 = new TextDecoder();

/** The statement machine: turns tokens into column lists and wanted tuples. */
class Statements {
  readonly rows: SqlRow[] = [];
  private state: 'idle' | 'skip' | 'insert' | 'values' | 'create' = 'idle';
  private words: string[] = [];
  private table = '';
  private columns: string[] | null = null;
  private listing = false;
  private wanted = false;
  private depth = 0;
  private values: SqlValue[] = [];
  private line = 0;
  private prefix: string | null = null;
  private expectDefinition = false;

  constructor(private readonly pick: TablePicker, private readonly created: Map<string, readonly string[]>) {}

  token(kind: Tok, text: string, bytes: Uint8Array | null, line: number): void {
    if (kind === Tok.Punct && text === ';' && this.depth === 0) {
      this.reset();
      return;
    }
    switch (this.state) {
      case 'idle': return this.start(kind, text);
      case 'insert': return this.insertHead(kind, text);
      case 'values': return this.tuple(kind, text, bytes, line);
      case 'create': return this.create(kind, text);
      case 'skip': return;
    }
  }

  private reset(): void {
    this.state = 'idle';
    this.words = [];
    this.table = '';
    this.columns = null;
    this.listing = false;
    this.depth = 0;
  }

  private start(kind: Tok, text: string): void {
    const word = kind === Tok.Word ? text.toUpperCase() : '';
    this.state = word === 'INSERT' || word === 'REPLACE' ? 'insert' : word === 'CREATE' ? 'create' : 'skip';
    this.words = [word];
  }

  private insertHead(kind: Tok, text: string): void {
    if (this.listing) {
      if (kind === Tok.Ident || kind === Tok.Word) this.columns!.push(text.toLowerCase());
      else if (text === ')') this.listing = false;
      return;
    }
    const word = kind === Tok.Word ? text.toUpperCase() : '';
    if (word === 'VALUES' || word === 'VALUE') {
      this.state = 'values';
      this.wanted = this.pick(this.table, this.columns ?? this.created.get(this.table) ?? null);
      return;
    }
    if (text === '(' && kind === Tok.Punct) {
      this.listing = true;
      this.columns = [];
    } else if (kind === Tok.Ident || (kind === Tok.Word && !INSERT_MODIFIERS.has(word) && text !== '.')) {
      // `db`.`table`: the last name is the table's.
      this.table = text.toLowerCase();
    } else if (word === 'SET' || word === 'SELECT') {
      this.state = 'skip';
    }
  }

  /** Follows parentheses; says whether the token was one, and whether it opened or closed the outermost. */
  private paren(kind: Tok, text: string): Paren {
    if (kind !== Tok.Punct || (text !== '(' && text !== ')')) return Paren.None;
    if (text === '(') return ++this.depth === 1 ? Paren.Opened : Paren.Inner;
    if (this.depth === 0) return Paren.Inner;
    return --this.depth === 0 ? Paren.Closed : Paren.Inner;
  }

  private tuple(kind: Tok, text: string, bytes: Uint8Array | null, line: number): void {
    const paren = this.paren(kind, text);
    if (paren === Paren.Opened) {
      this.values = [];
      this.line = line;
    } else if (paren === Paren.Closed && this.wanted) {
      this.rows.push({ line: this.line, table: this.table, columns: this.columns ?? this.created.get(this.table) ?? null, values: this.values });
    }
    if (paren !== Paren.None) return;
    if (this.depth === 0) {
      // Between tuples: a comma, or ON DUPLICATE KEY UPDATE (whose values are not rows).
      if (kind === Tok.Word) this.state = 'skip';
      return;
    }
    if (!this.wanted || kind === Tok.Punct) return;
    this.value(kind, text, bytes);
  }

  private value(kind: Tok, text: string, bytes: Uint8Array | null): void {
    if (kind === Tok.Word || bytes === null) {
      const upper = text.toUpperCase();
      // X'41' and b'1' lex as a word and a string; _binary 'a' introduces a string's charset.
      if (upper === 'X' || upper === 'B' || text.startsWith('_')) {
        this.prefix = upper;
        return;
      }
      this.prefix = null;
      this.values.push(upper === 'NULL' ? null : /^0x/i.test(text) ? hexBytes(text.slice(2)) ?? text : text);
      return;
    }
    const prefix = this.prefix;
    this.prefix = null;
    if (prefix === 'X') this.values.push(hexBytes(latin1.decode(bytes)) ?? bytes);
    else if (prefix === 'B') this.values.push(latin1.decode(bytes));
    else this.values.push(bytes);
  }

  private create(kind: Tok, text: string): void {
    const word = kind === Tok.Word ? text.toUpperCase() : '';
    if (this.words.length === 1) {
      this.words.push(word);
      if (word !== 'TABLE') this.state = 'skip';
      return;
    }
    const paren = this.paren(kind, text);
    if (paren === Paren.Opened) {
      this.columns = [];
      this.expectDefinition = true;
    } else if (paren === Paren.Closed) {
      this.created.set(this.table, this.columns ?? []);
      this.state = 'skip';
    }
    if (paren !== Paren.None) return;
    if (this.depth === 0) {
      if (kind === Tok.Ident || (kind === Tok.Word && !['IF', 'NOT', 'EXISTS', 'TEMPORARY', '.'].includes(word))) this.table = text.toLowerCase();
      return;
    }
    if (this.depth === 1 && kind === Tok.Punct && text === ',') {
      this.expectDefinition = true;
      return;
    }
    if (this.depth === 1 && this.expectDefinition) {
      this.expectDefinition = false;
      if (kind === Tok.Ident || (kind === Tok.Word && !DEFINITION_KEYWORDS.has(word))) this.columns!.push(text.toLowerCase());
    }
  }
}

/**
 * Streams the tuples of the INSERTs `pick` wants, in file order, and fills `tables` with the columns of
 * each CREATE TABLE met. Throws when the input ends inside a quoted string or name.
 */
export async function* readSqlRows(
  input: AsyncIterable<Uint8Array>,
  pick: TablePicker,
  tables = new Map<string, readonly string[]>(),
): AsyncIterable<SqlRow> {
  const statements = new Statements(pick, tables);
  const text = new Bytes();
  let state = Lex.Top;
  let quote = 0;
  let line = 1;
  let tokenLine = 1;

  const emitWord = (): void => statements.token(Tok.Word, latin1.decode(text.take()), null, tokenLine);
  const emitPunct = (byte: number): void => statements.token(Tok.Punct, String.fromCharCode(byte), null, line);

  for await (const chunk of input) {
    let i = 0;
    // Bytes of the current string or word that are still in this chunk, from `from` to `i`.
    let from = state === Lex.Str || state === Lex.Word || state === Lex.Ident ? 0 : -1;
    // A '-' or '/' that opened no comment begins a word (a negative number) at the byte after it.
    const startWord = (...held: number[]): void => {
      for (const byte of held) text.push(byte);
      state = Lex.Word;
      from = i;
    };
    const flush = (): void => {
      if (from >= 0 && i > from) text.append(chunk.subarray(from, i));
      from = -1;
    };
    while (i < chunk.length) {
      const b = chunk[i]!;
      switch (state) {
        case Lex.Top:
          if (b <= 0x20) break;
          tokenLine = line;
          if (b === 0x27 || b === 0x22) { state = Lex.Str; quote = b; from = i + 1; }
          else if (b === 0x60) { state = Lex.Ident; from = i + 1; }
          else if (b === 0x23) state = Lex.LineComment;
          else if (b === 0x2d) state = Lex.Dash;
          else if (b === 0x2f) state = Lex.Slash;
          else if (ENDS_WORD[b]) emitPunct(b);
          else { state = Lex.Word; from = i; }
          break;
        case Lex.Word:
          if (!ENDS_WORD[b]) break;
          flush();
          emitWord();
          state = Lex.Top;
          continue; // the byte that ended the word starts what follows
        case Lex.Str:
          if (b === BACKSLASH) { flush(); state = Lex.StrEscape; }
          else if (b === quote) { flush(); state = Lex.StrQuote; }
          break;
        case Lex.StrEscape:
          text.push(ESCAPES[b] ?? b);
          // MySQL keeps the backslash of \% and \_ (they are escapes only in LIKE patterns).
          if (b === 0x25 || b === 0x5f) { text.length--; text.push(BACKSLASH); text.push(b); }
          state = Lex.Str;
          from = i + 1;
          break;
        case Lex.StrQuote:
          if (b === quote) { text.push(b); state = Lex.Str; from = i + 1; break; }
          statements.token(Tok.Str, '', text.take(), tokenLine);
          state = Lex.Top;
          continue;
        case Lex.Ident:
          if (b === 0x60) { flush(); state = Lex.IdentQuote; }
          break;
        case Lex.IdentQuote:
          if (b === 0x60) { text.push(b); state = Lex.Ident; from = i + 1; break; }
          statements.token(Tok.Ident, utf8.decode(text.take()), null, tokenLine);
          state = Lex.Top;
          continue;
        case Lex.LineComment:
          if (b === 0x0a) state = Lex.Top;
          break;
        case Lex.BlockComment:
          if (b === 0x2a) state = Lex.BlockStar;
          break;
        case Lex.BlockStar:
          state = b === 0x2f ? Lex.Top : b === 0x2a ? Lex.BlockStar : Lex.BlockComment;
          break;
        case Lex.Dash:
          if (b === 0x2d) { state = Lex.DashDash; break; }
          startWord(0x2d);
          continue;
        case Lex.DashDash:
          // "--" opens a comment only when white space or a control byte follows (MySQL's rule).
          if (b <= 0x20) { state = b === 0x0a ? Lex.Top : Lex.LineComment; break; }
          text.push(0x2d);
          startWord(0x2d);
          continue;
        case Lex.Slash:
          if (b === 0x2a) { state = Lex.BlockComment; break; }
          startWord(0x2f);
          continue;
      }
      // Counted as the byte is consumed: a byte handed back with `continue` comes round again.
      if (b === 0x0a) line++;
      i++;
    }
    flush();
    yield* statements.rows.splice(0);
  }
  if (state === Lex.Word || state === Lex.Dash || state === Lex.Slash) emitWord();
  else if (state === Lex.StrQuote) statements.token(Tok.Str, '', text.take(), tokenLine);
  else if (state === Lex.Str || state === Lex.StrEscape || state === Lex.Ident) throw new UnreadableFile(`not a SQL dump: the quote opened on line ${tokenLine} is never closed`);
  yield* statements.rows.splice(0);
}
