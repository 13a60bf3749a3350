import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readYourlsSql } from '../../src/importers/yourls-sql.js';
import type { ImportRow } from '../../src/importers/record.js';

const fixture = (name: string): Buffer => readFileSync(new URL(`../fixtures/import/${name}`, import.meta.url));

async function* inChunks(bytes: Uint8Array, size: number): AsyncIterable<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function readAll(bytes: Uint8Array, size = 1 << 16): Promise<ImportRow[]> {
  const rows: ImportRow[] = [];
  for await (const row of readYourlsSql(inChunks(bytes, size))) rows.push(row);
  return rows;
}

const links = (rows: ImportRow[]) => rows.flatMap((row) => ('link' in row ? [row.link] : []));

test('when a mysqldump of YOURLS is read, then only the URL table\'s rows come, with code, title, time and clicks', async () => {
  const rows = await readAll(fixture('yourls-mysqldump.sql'));
  assert.equal(rows.length, 8, 'the log and options tables are skipped');
  assert.deepEqual(rows[0], {
    line: 79,
    link: {
      url: 'https://example.com/first', code: '1', domain: null, title: 'First, \'quoted\' "title"', tags: [],
      createdAt: Date.UTC(2011, 0, 2, 3, 4, 5), expiresAt: null, clicks: 12,
    },
  });
  assert.ok(rows.every((row) => row.line === 79), 'an extended insert is one line');
});

test('when values hold MySQL escapes, doubled quotes, commas, semicolons and newlines, then they read as MySQL stored them', async () => {
  const byCode = links(await readAll(fixture('yourls-mysqldump.sql')));
  assert.equal(byCode[2]!.title, 'Line one\nLine two\tand, comma; semicolon');
  assert.equal(byCode[4]!.title, 'It\'s a duplicate');
  assert.equal(byCode[6]!.url, 'https://example.com/\u0000\u001a');
  assert.equal(byCode[6]!.title, 'back\\slash 50\\% off_\\_', 'MySQL keeps the backslash of \\% and \\_');
});

test('when codes differ only in case or repeat, or a URL is bad, then they arrive as they are for the use case to judge', async () => {
  const codes = links(await readAll(fixture('yourls-mysqldump.sql'))).map((link) => link.code);
  assert.deepEqual(codes, ['1', 'ozh', 'Ozh', 'bad', 'ozh', 'zero', 'nul']);
  assert.equal(links(await readAll(fixture('yourls-mysqldump.sql')))[3]!.url, 'javascript:alert(1)');
});

test('when a title is not UTF-8 or the time is MySQL\'s zero date, then that row is invalid or has no time', async () => {
  const rows = await readAll(fixture('yourls-mysqldump.sql'));
  assert.deepEqual(rows[4], { line: 79, invalid: 'byte 0xE9 in column title is not UTF-8' });
  assert.ok('link' in rows[6]!);
  assert.equal(rows[6].link.createdAt, null);
  assert.equal(rows[6].link.title, null);
  assert.ok(!JSON.stringify(rows).includes('\uFFFD'));
});

test('when a mariadb-dump with a BOM, CRLF, another prefix and --complete-insert is read, then columns are matched by name', async () => {
  const rows = await readAll(fixture('yourls-mariadb-dump.sql'));
  assert.deepEqual(rows.map((row) => row.line), [34, 36, 37, 38]);
  assert.ok('link' in rows[0]! && 'link' in rows[1]! && 'link' in rows[2]!);
  assert.equal(rows[0].link.title, 'Multi\r\nline title');
  assert.deepEqual([rows[1].link.code, rows[1].link.url, rows[1].link.title, rows[1].link.clicks], ['b-2', 'https://example.com/b', 'été 🎉', 9]);
  assert.equal(rows[1].link.createdAt, Date.UTC(2023, 4, 2, 9, 30));
  assert.deepEqual([rows[2].link.url, rows[2].link.title], ['https://example.com/hex', 'binary title'], 'hex literal and _binary introducer');
  assert.deepEqual(rows[3], { line: 38, invalid: 'column clicks is not a count: "-3"' });
});

test('when a dump is fed 7 bytes or 1 byte at a time, then the rows are the same', async () => {
  for (const name of ['yourls-mysqldump.sql', 'yourls-mariadb-dump.sql']) {
    const whole = await readAll(fixture(name));
    assert.deepEqual(await readAll(fixture(name), 7), whole, name);
    assert.deepEqual(await readAll(fixture(name), 1), whole, name);
  }
});

test('when a data-only dump has no CREATE TABLE, then the URL table is read in YOURLS\'s column order', async () => {
  const dump = Buffer.from("/*!999999\\- enable the sandbox mode */ \n-- data only\nINSERT INTO `site_url` VALUES ('x','https://example.com/x','X','2024-01-01 00:00:00','::1',3),('y','https://example.com/y');\n");
  assert.deepEqual(await readAll(dump), [
    { line: 3, link: { url: 'https://example.com/x', code: 'x', domain: null, title: 'X', tags: [], createdAt: Date.UTC(2024, 0, 1), expiresAt: null, clicks: 3 } },
    { line: 3, invalid: 'the row has 2 values where the table has 6 columns' },
  ]);
});

test('when a dump has the URL table and no row, then it reads as no rows, not as another format', async () => {
  const dump = Buffer.from('CREATE TABLE `yourls_url` (\n  `keyword` varchar(100) NOT NULL,\n  `url` text NOT NULL,\n  PRIMARY KEY (`keyword`)\n);\n');
  assert.deepEqual(await readAll(dump), []);
});

test('when the input is not a YOURLS dump, then reading fails with a message saying so', async () => {
  await assert.rejects(readAll(Buffer.from('keyword,url\nabc,https://example.com/\n')), /not a YOURLS dump/);
  await assert.rejects(readAll(Buffer.from("INSERT INTO `yourls_url` VALUES ('a','https://example.com/")), /not a SQL dump: the quote opened on line 1 is never closed/);
});

test('when 200,000 rows in extended inserts are generated lazily, then they stream through and every one is counted', async () => {
  const total = 200_000;
  async function* generated(): AsyncIterable<Uint8Array> {
    for (let i = 0; i < total; i += 1000) {
      const tuples: string[] = [];
      for (let k = i; k < i + 1000; k++) tuples.push(`('k${k}','https://example.com/${k}',NULL,'2024-03-01 10:00:00','127.0.0.1',${k})`);
      yield Buffer.from(`INSERT INTO \`yourls_url\` VALUES ${tuples.join(',')};\n`);
    }
  }
  let count = 0;
  let last: ImportRow | undefined;
  for await (const row of readYourlsSql(generated())) { count++; last = row; }
  assert.equal(count, total);
  assert.deepEqual(last, { line: total / 1000, link: { url: `https://example.com/${total - 1}`, code: `k${total - 1}`, domain: null, title: null, tags: [], createdAt: Date.UTC(2024, 2, 1, 10), expiresAt: null, clicks: total - 1 } });
});
