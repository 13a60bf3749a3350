import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readBitlyJson } from '../../src/importers/bitly-json.js';
import { readKuttJson } from '../../src/importers/kutt-json.js';
import type { ImportReader, ImportRow } from '../../src/importers/record.js';
import { firstSignificantByte, peek } from '../../src/importers/peek.js';

const fixture = (name: string): Buffer => readFileSync(new URL(`../fixtures/import/${name}`, import.meta.url));

async function* inChunks(bytes: Uint8Array, size: number): AsyncIterable<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function readAll(reader: ImportReader, bytes: Uint8Array, size = 1 << 16): Promise<ImportRow[]> {
  const rows: ImportRow[] = [];
  for await (const row of reader(inChunks(bytes, size))) rows.push(row);
  return rows;
}

test('when a Bitly listing of two appended pages is read, then every bitlink comes in file order with its code, host, tags and time', async () => {
  const rows = await readAll(readBitlyJson, fixture('bitly-bitlinks.json'));
  assert.equal(rows.length, 9);
  assert.deepEqual(rows[0], {
    line: 1,
    link: {
      url: 'https://example.com/first', code: '2Xf3aBc', domain: 'bit.ly', title: 'First "quoted", with comma\nand newline',
      tags: ['launch', 'q1'], createdAt: Date.UTC(2019, 5, 24, 16, 15, 39), expiresAt: null, clicks: 0,
    },
  });
  assert.equal(rows[7]!.line, 8);
  assert.deepEqual('link' in rows[7]! && [rows[7].link.code, rows[7].link.domain, rows[7].link.title], ['Page2', 'j.mp', 'été 🎉']);
});

test('when a bitlink has a custom bitlink, then its back-half is the code and its host the domain', async () => {
  const rows = await readAll(readBitlyJson, fixture('bitly-bitlinks.json'));
  assert.ok('link' in rows[1]!);
  assert.equal(rows[1].link.code, 'spring-sale');
  assert.equal(rows[1].link.domain, 'go.example.com');
});

test('when a bitlink is archived (hidden on Bitly, still redirecting), then it comes in archived, not skipped', async () => {
  const rows = await readAll(readBitlyJson, fixture('bitly-bitlinks.json'));
  assert.ok('link' in rows[1]!);
  assert.deepEqual(rows[1].link.extra, { archived: true });
  assert.ok('link' in rows[0]! && rows[0].link.extra === undefined);
});

test('when bitlinks hold a bad URL or a code seen before, then they arrive as they are, for the use case to judge', async () => {
  const rows = await readAll(readBitlyJson, fixture('bitly-bitlinks.json'));
  assert.ok('link' in rows[2]! && 'link' in rows[3]!);
  assert.equal(rows[2].link.url, 'not a url');
  assert.equal(rows[3].link.code, '2Xf3aBc');
});

test('when a bitlink cannot be read, then that item is invalid with its reason and reading goes on', async () => {
  const rows = await readAll(readBitlyJson, fixture('bitly-bitlinks.json'));
  assert.deepEqual(rows[4], { line: 5, invalid: 'byte 0xE9 in key title is not UTF-8' });
  assert.deepEqual(rows[5], { line: 6, invalid: 'item is a string, not a bitlink object' });
  assert.deepEqual(rows[6], { line: 7, invalid: 'key long_url is missing or not a string' });
  assert.deepEqual(rows[8], { line: 9, invalid: 'key created_at is not a time: "yesterday"' });
  assert.ok(!JSON.stringify(rows).includes('\uFFFD'));
});

test('when the listing is fed 7 bytes (or 1 byte) at a time, then the rows are the same', async () => {
  for (const [reader, name] of [[readBitlyJson, 'bitly-bitlinks.json'], [readKuttJson, 'kutt-links.json']] as const) {
    const whole = await readAll(reader, fixture(name));
    assert.deepEqual(await readAll(reader, fixture(name), 7), whole, name);
    assert.deepEqual(await readAll(reader, fixture(name), 1), whole, name);
  }
});

test('when the pages come as a JSON array of pages, then their items are read across pages', async () => {
  const pages = Buffer.from(JSON.stringify([
    { links: [{ id: 'bit.ly/a', long_url: 'https://example.com/a' }], pagination: { page: 1 } },
    { links: [{ id: 'bit.ly/b', long_url: 'https://example.com/b' }], pagination: { page: 2 } },
  ]));
  const rows = await readAll(readBitlyJson, pages);
  assert.deepEqual(rows.map((row) => row.line), [1, 2]);
  assert.deepEqual(rows.map((row) => 'link' in row && row.link.code), ['a', 'b']);
});

test('when the input is not a Bitly listing, then reading fails with a message saying so', async () => {
  await assert.rejects(readAll(readBitlyJson, Buffer.from('{"id":"bit.ly/a","long_url":"https://example.com/"}')), /not a Bitly API v4 bitlinks page: no key named links/);
  await assert.rejects(readAll(readBitlyJson, Buffer.from('keyword,url\nabc,https://example.com/\n')), /not a Bitly API v4 bitlinks page/);
  await assert.rejects(readAll(readBitlyJson, Buffer.from('{"links":[{"id":"bit.ly/a"}')), /not a Bitly API v4 bitlinks page/);
  await assert.rejects(readAll(readKuttJson, Buffer.from('{"links":[{"id":"bit.ly/a"}],"pagination":{}}')), /not a Kutt API v2 links page: no key named data/);
});

test('when an item that is not an object holds a non-UTF-8 byte, then only that item is invalid', async () => {
  const bytes = Buffer.concat([Buffer.from('{"links":["caf'), Buffer.from([0xe9]), Buffer.from('",{"id":"bit.ly/a","long_url":"https://example.com/"},"x'), Buffer.from([0xff]), Buffer.from('"]}')]);
  const rows = await readAll(readBitlyJson, bytes, 3);
  assert.deepEqual(rows.map((row) => ('invalid' in row ? row.invalid : 'link')), ['byte 0xE9 is not UTF-8', 'link', 'byte 0xFF is not UTF-8']);
});

test('when a byte outside every item is not UTF-8, then the file fails naming its offset', async () => {
  const bytes = Buffer.concat([Buffer.from('{"links":[],"pagination":{"next":"'), Buffer.from([0xff]), Buffer.from('"}}')]);
  await assert.rejects(readAll(readBitlyJson, bytes), /byte 0xFF at offset 34, outside every item, is not UTF-8/);
});

test('when Kutt links are read, then code, target, description, visits, times and the short link\'s host are kept', async () => {
  const rows = await readAll(readKuttJson, fixture('kutt-links.json'));
  assert.deepEqual(rows[0], {
    line: 1,
    link: {
      url: 'https://example.com/first', code: 'Ab3dE', domain: 'kutt.example.org', title: 'First, "quoted"\nsecond line',
      tags: [], createdAt: Date.UTC(2024, 0, 5, 10, 20, 30, 123), expiresAt: null, clicks: 42,
    },
  });
  assert.ok('link' in rows[1]!);
  assert.equal(rows[1].link.domain, 'go.example.com');
  assert.equal(rows[1].link.expiresAt, Date.UTC(2030, 0, 1), 'a time without zone (Kutt on SQLite) is UTC');
});

test('when a Kutt link is banned or protected by a password, then it is skipped with that reason', async () => {
  const rows = await readAll(readKuttJson, fixture('kutt-links.json'));
  assert.deepEqual(rows[2], { line: 3, skipped: 'banned', code: 'spam', detail: 'Kutt had banned this link.' });
  assert.ok('skipped' in rows[3]!);
  assert.equal(rows[3].skipped, 'password');
  assert.match(rows[3].detail, /cannot carry the password/);
});

test('when a Kutt link expired already, then its expiry is passed through for the use case to skip', async () => {
  const rows = await readAll(readKuttJson, fixture('kutt-links.json'));
  assert.ok('link' in rows[4]!);
  assert.equal(rows[4].link.expiresAt, Date.UTC(2020, 0, 1));
  assert.equal(rows[4].link.url, 'ftp://bad url');
});

test('when a Kutt link holds a non-UTF-8 byte or a visit count that is not a number, then it is invalid', async () => {
  const rows = await readAll(readKuttJson, fixture('kutt-links.json'));
  assert.deepEqual(rows.slice(5), [
    { line: 6, invalid: 'byte 0xE9 in key description is not UTF-8' },
    { line: 7, invalid: 'key visit_count is not a count: "1,234"' },
  ]);
});

test('when 200,000 bitlinks are generated lazily, then they stream through and every one is counted', async () => {
  const total = 200_000;
  async function* generated(): AsyncIterable<Uint8Array> {
    yield Buffer.from('{"links":[');
    for (let i = 0; i < total; i += 1000) {
      const page: string[] = [];
      for (let k = i; k < i + 1000; k++) page.push(`${k === 0 ? '' : ','}{"id":"bit.ly/c${k}","long_url":"https://example.com/${k}","tags":[]}`);
      yield Buffer.from(page.join(''));
    }
    yield Buffer.from('],"pagination":{}}');
  }
  let count = 0;
  let last: ImportRow | undefined;
  for await (const row of readBitlyJson(generated())) { count++; last = row; }
  assert.equal(count, total);
  assert.ok(last && 'link' in last && last.link.code === `c${total - 1}`);
});

test('when an input is peeked at, then its first significant byte is known and every byte is still read', async () => {
  const bytes = fixture('bitly-bitlinks.json');
  const { head, rest } = await peek(inChunks(bytes, 5), 64);
  assert.equal(head.length, 64);
  assert.equal(String.fromCharCode(firstSignificantByte(head)!), '{', 'after the BOM and the line break');
  const again: Buffer[] = [];
  for await (const chunk of rest) again.push(Buffer.from(chunk));
  assert.deepEqual(Buffer.concat(again), bytes);
  const short = await peek(inChunks(Buffer.from(' \r\n'), 2), 64);
  assert.equal(firstSignificantByte(short.head), null);
});

test('when the reader of a peeked input stops early, then the source is closed', async () => {
  let closed = false;
  async function* source(): AsyncIterable<Uint8Array> {
    try {
      for (let i = 0; i < 10; i++) yield Buffer.from('0123456789');
    } finally {
      closed = true;
    }
  }
  const { rest } = await peek(source(), 4);
  for await (const chunk of rest) { assert.ok(chunk.length > 0); break; }
  assert.equal(closed, true);
});
