import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readYourlsCsv } from '../../src/importers/yourls-csv.js';
import { fixture, readAll } from '../support/import-input.js';

const link = { domain: null, tags: [], expiresAt: null };

describe('YOURLS yourls_url as phpMyAdmin CSV', () => {
  test('when phpMyAdmin wrote no header, CRLF and bare NULLs, then rows are read by position, short keywords and hostile rows included', async () => {
    const rows = await readAll(readYourlsCsv, fixture('yourls-url-no-header.csv'));
    assert.deepEqual(rows, [
      { line: 1, link: { ...link, url: 'https://example.com/first', code: '1', title: 'NULL', createdAt: Date.UTC(2009, 8, 1, 12), clicks: 15 } },
      { line: 2, link: { ...link, url: 'https://example.com/ab', code: 'ab', title: null, createdAt: Date.UTC(2010, 0, 2, 3, 4, 5), clicks: 0 } },
      { line: 3, link: { ...link, url: 'https://example.com/docs?x=1,2', code: 'Docs', title: 'The docs, "quoted" and\r\non two lines', createdAt: Date.UTC(2015, 5, 7, 8, 9, 10), clicks: 123 } },
      { line: 5, link: { ...link, url: 'https://example.com/dup', code: 'ab', title: 'Duplicate keyword', createdAt: Date.UTC(2016, 0, 1), clicks: 1 } },
      { line: 6, invalid: 'byte 0xE9 in column title is not UTF-8' },
      { line: 7, link: { ...link, url: 'ftp:/nope', code: 'bad', title: 'Bad URL', createdAt: null, clicks: 4 } },
      { line: 8, invalid: 'keyword is empty' },
      { line: 9, invalid: 'clicks is not a whole number: "-3"' },
    ]);
  });

  test('when the file comes 7 bytes at a time, then the rows are the same', async () => {
    assert.deepEqual(await readAll(readYourlsCsv, fixture('yourls-url-no-header.csv'), 7), await readAll(readYourlsCsv, fixture('yourls-url-no-header.csv')));
  });

  test('when phpMyAdmin wrote the column names first, then they are matched by name and the data starts on line 2', async () => {
    const rows = await readAll(readYourlsCsv, fixture('yourls-url-header.csv'));
    assert.deepEqual(rows.map((r) => r.line), [2, 3]);
    assert.deepEqual(rows[1], { line: 3, link: { ...link, url: 'https://example.com/ab', code: 'ab', title: null, createdAt: Date.UTC(2010, 0, 2, 3, 4, 5), clicks: 0 } });
  });

  test('when the first row is neither a header nor a yourls_url row, then it is not this export', async () => {
    await assert.rejects(readAll(readYourlsCsv, 'Title,Bitlink,Long URL,Tags,Created,Clicks\nx,bit.ly/a,https://example.com/,,2024-01-01,1\n'), {
      message: 'not a phpMyAdmin CSV export of yourls_url: no column named keyword, nor a first row of keyword, url, title, timestamp, ip, clicks',
    });
  });
});
