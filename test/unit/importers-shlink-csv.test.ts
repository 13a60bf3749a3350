import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readShlinkCsv } from '../../src/importers/shlink-csv.js';
import { fixture, readAll } from '../support/import-input.js';

describe('Shlink short-URL export', () => {
  test('when the web client\'s export holds hostile rows, then each is read or invalid with its line, and a broken row does not take the next', async () => {
    const rows = await readAll(readShlinkCsv, fixture('shlink-short-urls.csv'));
    assert.deepEqual(rows, [
      { line: 2, link: { url: 'https://example.com/docs?a=1&b=2', code: 'abc123', domain: 's.example.com', title: 'Docs, the "good" ones', tags: ['docs', 'how-to'], createdAt: Date.UTC(2023, 4, 1, 8), expiresAt: null, clicks: 42 } },
      { line: 3, link: { url: 'https://example.com/xy', code: 'Xy', domain: 's.example.com', title: null, tags: [], createdAt: Date.UTC(2023, 4, 2, 8), expiresAt: null, clicks: 0 } },
      { line: 4, link: { url: 'https://example.com/multi', code: 'multi', domain: 'links.example.net', title: 'Line one\nline two', tags: ['a', 'b', 'c'], createdAt: Date.UTC(2023, 4, 3, 10), expiresAt: null, clicks: 5 } },
      { line: 7, invalid: 'byte 0xE9 in column title is not UTF-8' },
      { line: 8, link: { url: 'not a url', code: 'abc123', domain: 's.example.com', title: 'Duplicate', tags: [], createdAt: Date.UTC(2023, 4, 5, 10), expiresAt: null, clicks: 2 } },
      { line: 9, invalid: 'visits is not a whole number: "lots"' },
      { line: 10, invalid: 'a closing quote on line 10 is followed by "x", not a separator or a line break' },
      { line: 11, link: { url: 'https://example.com/after', code: 'after', domain: 's.example.com', title: 'After the broken row', tags: [], createdAt: Date.UTC(2023, 4, 8, 10), expiresAt: null, clicks: 3 } },
    ]);
  });

  test('when the file comes 7 bytes at a time, then the rows are the same', async () => {
    assert.deepEqual(await readAll(readShlinkCsv, fixture('shlink-short-urls.csv'), 7), await readAll(readShlinkCsv, fixture('shlink-short-urls.csv')));
  });

  test('when the export is the 2022 layout (no domain or shortCode, tags joined by commas), then both come from shortUrl', async () => {
    const old = '"createdAt","shortUrl","longUrl","title","tags","visits"\n"2022-03-14T09:00:00+00:00","https://Old.Example/Ab%2DC","https://example.com/","Old","one,two",9\n';
    assert.deepEqual(await readAll(readShlinkCsv, old), [
      { line: 2, link: { url: 'https://example.com/', code: 'Ab-C', domain: 'old.example', title: 'Old', tags: ['one', 'two'], createdAt: Date.UTC(2022, 2, 14, 9), expiresAt: null, clicks: 9 } },
    ]);
  });

  test('when the file has no longUrl column, then it is not a Shlink export', async () => {
    await assert.rejects(readAll(readShlinkCsv, 'url,code\nhttps://example.com/,x\n'), { message: 'not a Shlink short-URL export: no column named longUrl or long_url or originalUrl' });
  });
});
