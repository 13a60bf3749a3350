import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CsvScanner, MAX_RECORD_BYTES, firstInvalid } from '../../src/importers/csv-records.js';
import { columns, readCsv } from '../../src/importers/csv-table.js';
import { countCell, flagCell, isoTime, shortLinkCell, timeCell } from '../../src/importers/cells.js';
import type { ImportRow } from '../../src/importers/record.js';
import { chunked } from '../support/import-input.js';

/** Each record of `bytes` scanned in chunks of `size`: its line and fields, or its fault. */
function scan(bytes: Uint8Array, size: number): string[] {
  const scanner = new CsvScanner();
  const out: string[] = [];
  const show = (records: ReturnType<CsvScanner['push']>) => {
    for (const r of records) out.push(`${r.line}:${r.fault ?? JSON.stringify(Array.from({ length: r.size }, (_, i) => r.text(i) ?? null))}`);
  };
  for (let i = 0; i < bytes.length; i += size) show(scanner.push(bytes.subarray(i, i + size)));
  show(scanner.end());
  return out;
}

const TRICKY = Buffer.concat([
  Buffer.from('\ufeffa,b\r\n1,"x\r\ny"\r\n\r\n2,"bad"q,3\r\n3,caf'),
  Buffer.from([0xe9]),
  Buffer.from('\n4,"z ""q"""\n\n\n5,ok,\n,\n6,"never closed'),
]);

describe('CSV records', () => {
  test('when a file mixes BOM, CRLF, quoted line breaks, doubled quotes, empty lines and a broken quote, then each record comes with the line it starts on', () => {
    assert.deepEqual(scan(TRICKY, 1 << 20), [
      '1:["a","b"]',
      '2:["1","x\\r\\ny"]',
      '5:a closing quote on line 5 is followed by "q", not a separator or a line break',
      '6:["3",null]',
      '7:["4","z \\"q\\""]',
      '10:["5","ok",""]',
      '11:["",""]',
      '12:a quoted field is never closed: the file ends inside it',
    ]);
  });

  test('when the same bytes come in chunks of 1, 2, 3 or 7 bytes, then the records are the same', () => {
    const whole = scan(TRICKY, 1 << 20);
    for (const size of [1, 2, 3, 7]) assert.deepEqual(scan(TRICKY, size), whole, `chunks of ${size}`);
  });

  test('when a file ends without a line break, on a CR, on a comma or holds only a BOM, then nothing is lost or invented', () => {
    assert.deepEqual(scan(Buffer.from('x'), 1), ['1:["x"]']);
    assert.deepEqual(scan(Buffer.from('a\r'), 1), ['1:["a"]']);
    assert.deepEqual(scan(Buffer.from('"a"\r'), 1), ['1:["a"]']);
    assert.deepEqual(scan(Buffer.from('a,'), 1), ['1:["a",""]']);
    assert.deepEqual(scan(Buffer.from('\ufeff'), 1), []);
    assert.deepEqual(scan(Buffer.from(''), 1), []);
    assert.deepEqual(scan(Buffer.from('""\n'), 1), ['1:[""]'], 'an empty quoted field is a record, not an empty line');
  });

  test('when the first line separates by semicolons or tabs and has no comma outside quotes, then that is the separator', () => {
    assert.deepEqual(scan(Buffer.from('url;"title, long";n\nhttps://a.example/;"x;y, z";1,5\n'), 3), ['1:["url","title, long","n"]', '2:["https://a.example/","x;y, z","1,5"]']);
    assert.deepEqual(scan(Buffer.from('url\ttitle\nhttps://a.example/\tx,y\n'), 3), ['1:["url","title"]', '2:["https://a.example/","x,y"]']);
    assert.deepEqual(scan(Buffer.from('url,"a;b"\nx;y,z\n'), 3), ['1:["url","a;b"]', '2:["x;y","z"]'], 'a comma in the first line wins');
    assert.deepEqual(scan(Buffer.from('url'), 1), ['1:["url"]']);
  });

  test('when a quote sits inside an unquoted field, then it is kept as written', () => {
    assert.deepEqual(scan(Buffer.from('5" screen,a"b\n'), 4), ['1:["5\\" screen","a\\"b"]']);
  });

  test('when a record outgrows the bound, then it is one invalid record and the next one is read', () => {
    const long = Buffer.from(`"${'x'.repeat(MAX_RECORD_BYTES + 10)}\nstill inside",1\nnext,2\n`);
    const records = scan(long, 64 * 1024);
    assert.deepEqual(records, [`1:the row is longer than ${MAX_RECORD_BYTES} bytes`, '3:["next","2"]']);
  });

  test('when a byte is not UTF-8, then the first bad byte of the field is found; well-formed text has none', () => {
    assert.equal(firstInvalid(Buffer.from([0x61, 0xe9, 0x62])), 1);
    assert.equal(firstInvalid(Buffer.from([0xc3])), 0, 'a sequence cut short');
    assert.equal(firstInvalid(Buffer.from([0xed, 0xa0, 0x80])), 0, 'a surrogate');
    assert.equal(firstInvalid(Buffer.from([0xc0, 0xaf])), 0, 'an overlong slash');
    assert.equal(firstInvalid(Buffer.from('héllo 🍮 日本')), -1);
  });
});

describe('CSV tables', () => {
  const names = { url: ['long_url', 'url'], title: ['title'] } as const;

  test('when a header names columns in any case, spacing or order, then each is found by any of its names', () => {
    assert.deepEqual(columns(['Title', ' Long URL ', 'other'], names, ['url']), { at: { url: 1, title: 0 } });
    assert.deepEqual(columns(['LONG-url', 'url'], names, ['url']), { at: { url: 0, title: -1 } }, 'the first name found wins');
    assert.deepEqual(columns(['title'], names, ['url']), { missing: 'url' });
  });

  /** Rows of `text` read with a table of `names`, each row's cells as the row. */
  const rows = async (text: string | Uint8Array): Promise<unknown[]> => {
    const out: unknown[] = [];
    const format = { what: 'a test file', names, required: ['url'] as const };
    for await (const row of readCsv(chunked(typeof text === 'string' ? Buffer.from(text) : text, 5), format, ({ line, cells }): ImportRow => ({ line, invalid: JSON.stringify(cells) }))) out.push(row);
    return out;
  };

  test('when the first row is not this format\'s header, then reading throws naming the column it lacks', async () => {
    await assert.rejects(rows('name,target\nx,y\n'), { message: 'not a test file: no column named long_url or url' });
    await assert.rejects(rows('"url\n'), /not a test file: its first row cannot be read/);
  });

  test('when a byte that is not UTF-8 is in a column the reader uses, then that row is invalid naming the column; in an ignored one, it is read', async () => {
    const bytes = Buffer.concat([Buffer.from('url,title,junk\nhttps://a.example/,caf'), Buffer.from([0xe9]), Buffer.from(',ok\nhttps://b.example/,ok,'), Buffer.from([0xff]), Buffer.from('\n')]);
    assert.deepEqual(await rows(bytes), [
      { line: 2, invalid: 'byte 0xE9 in column title is not UTF-8' },
      { line: 3, invalid: JSON.stringify({ url: 'https://b.example/', title: 'ok' }) },
    ]);
  });

  test('when a row stops short, then its missing cells are absent; an empty file reads no rows', async () => {
    assert.deepEqual(await rows('url,title\nhttps://a.example/\n'), [{ line: 2, invalid: JSON.stringify({ url: 'https://a.example/' }) }]);
    assert.deepEqual(await rows(''), []);
  });

  test('when 200,000 rows are generated lazily, then all are read, in order, without the input ever being whole', async () => {
    async function* generated(): AsyncGenerator<Uint8Array> {
      yield Buffer.from('url,title\n');
      for (let i = 0; i < 200_000; i += 1000) {
        let chunk = '';
        for (let k = i; k < i + 1000; k++) chunk += `https://example.com/${k},"Title ${k}, with a comma"\n`;
        yield Buffer.from(chunk);
      }
    }
    let count = 0;
    let last = 0;
    const format = { what: 'a test file', names, required: ['url'] as const };
    for await (const row of readCsv(generated(), format, ({ line }): ImportRow => ({ line, invalid: '' }))) {
      assert.equal(row.line, last === 0 ? 2 : last + 1);
      last = row.line;
      count++;
    }
    assert.equal(count, 200_000);
  });
});

describe('cell values', () => {
  test('when a time is ISO 8601 with or without a zone, or MySQL\'s layout, then it is its instant (UTC without a zone)', () => {
    const at = Date.UTC(2024, 4, 1, 10, 0, 0);
    for (const text of ['2024-05-01T10:00:00Z', '2024-05-01T12:00:00+02:00', '2024-05-01T12:00:00+0200', '2024-05-01T05:00:00-05', '2024-05-01 10:00:00', '2024-05-01T10:00', '2024-05-01 10:00:00 UTC']) {
      assert.equal(isoTime(text), at, text);
    }
    assert.equal(isoTime('2024-05-01T10:00:00.5Z'), at + 500);
    assert.equal(isoTime('2024-05-01'), Date.UTC(2024, 4, 1));
  });

  test('when a time does not exist or is not ISO 8601, then it is not read', () => {
    for (const text of ['2024-02-30', '2023-02-29 00:00:00', '2024-13-01', '2024-05-01 24:00:00', '2024-05-01T10:60', 'May 1, 2024', '1', '05/01/2024', '']) {
      assert.equal(isoTime(text), null, text);
    }
    assert.throws(() => timeCell('May 1', 'created'), { message: 'created is not a date and time: "May 1"' });
  });

  test('when epoch numbers are allowed, then below 10^11 they are seconds and from there milliseconds', () => {
    assert.equal(timeCell('1700000000', 'c', true), 1_700_000_000_000);
    assert.equal(timeCell('1700000000123', 'c', true), 1_700_000_000_123);
    assert.throws(() => timeCell('1700000000', 'c'), /is not a date and time/);
    assert.equal(timeCell('  ', 'c', true), null);
  });

  test('when counts and flags are written as peers write them, then they are read; otherwise the column is named', () => {
    assert.equal(countCell('1,234', 'clicks'), 1234);
    assert.equal(countCell('', 'clicks'), 0);
    assert.equal(countCell(undefined, 'max', null), null);
    for (const bad of ['-1', '1.5', '12,34', 'lots', '99999999999999999999']) assert.throws(() => countCell(bad, 'clicks'), /^Error: clicks is/, bad);
    assert.equal(flagCell('TRUE', 'a'), true);
    assert.equal(flagCell('0', 'a'), false);
    assert.equal(flagCell('', 'a'), null);
    assert.throws(() => flagCell('maybe', 'archived'), { message: 'archived is not true or false: "maybe"' });
  });

  test('when a short link is written with or without its scheme, then its host is the domain and its path the code', () => {
    assert.deepEqual(shortLinkCell('bit.ly/3abcDef', 'b'), { domain: 'bit.ly', code: '3abcDef' });
    assert.deepEqual(shortLinkCell('https://Go.Example.COM/Spring%20Sale', 'b'), { domain: 'go.example.com', code: 'Spring Sale' });
    assert.deepEqual(shortLinkCell('https://s.example/', 'b'), { domain: 's.example', code: null });
    assert.deepEqual(shortLinkCell('https://s.example/%E0%A4%A', 'b'), { domain: 's.example', code: '%E0%A4%A' });
    assert.equal(shortLinkCell('', 'b'), null);
    assert.throws(() => shortLinkCell('http://', 'bitlink'), { message: 'bitlink is not a link: "http://"' });
  });
});
