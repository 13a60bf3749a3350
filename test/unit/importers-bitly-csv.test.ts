import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readBitlyCsv } from '../../src/importers/bitly-csv.js';
import { fixture, readAll } from '../support/import-input.js';

const link = { title: null, tags: [], createdAt: null, expiresAt: null, clicks: 0 };

describe('Bitly CSV export', () => {
  test('when the export has a BOM, CRLF and hostile rows, then each row is read, skipped or invalid with its line', async () => {
    const rows = await readAll(readBitlyCsv, fixture('bitly-links.csv'));
    assert.deepEqual(rows, [
      { line: 2, link: { url: 'https://shop.example.com/sale?utm_source=bitly', code: 'spring', domain: 'go.example.com', title: 'Spring sale', tags: ['promo', '2024'], createdAt: Date.UTC(2024, 2, 1, 9, 15), expiresAt: null, clicks: 1204 } },
      { line: 3, link: { url: 'https://example.org/a', code: '4XyZ12', domain: 'bit.ly', title: 'Quotes "and", commas', tags: [], createdAt: Date.UTC(2024, 2, 2, 10), expiresAt: null, clicks: 7 } },
      { line: 4, link: { url: 'https://example.org/two-lines', code: 'Mn0pQr', domain: 'bit.ly', title: 'A title\r\non two lines', tags: ['news', 'tech'], createdAt: Date.UTC(2024, 2, 3), expiresAt: null, clicks: 0 } },
      { line: 7, invalid: 'byte 0xE9 in column Title is not UTF-8' },
      { line: 8, link: { url: 'javascript:alert(1)', code: 'bad001', domain: 'bit.ly', title: 'Not a URL', tags: [], createdAt: Date.UTC(2024, 2, 5), expiresAt: null, clicks: 1 } },
      { line: 9, link: { url: 'https://example.org/dup', code: '3abcDef', domain: 'bit.ly', title: 'Duplicate code', tags: [], createdAt: Date.UTC(2024, 2, 6), expiresAt: null, clicks: 2 } },
      { line: 10, skipped: 'archived', code: 'hid001', detail: 'The link is archived (hidden) in Bitly.' },
      { line: 11, invalid: 'Long URL is empty' },
      { line: 12, invalid: 'Created is not a date and time: "yesterday"' },
    ]);
  });

  test('when the file comes 7 bytes at a time, then the rows are the same', async () => {
    assert.deepEqual(await readAll(readBitlyCsv, fixture('bitly-links.csv'), 7), await readAll(readBitlyCsv, fixture('bitly-links.csv')));
  });

  test('when the columns carry the other names reported for the export (URLR\'s guide, the API\'s fields), then they are read the same', async () => {
    const urlr = 'Link,Custom Link,Destination URL\nhttps://bit.ly/aB1,,https://example.com/1\nbit.ly/aB2,https://brand.example/Own,https://example.com/2\n';
    assert.deepEqual(await readAll(readBitlyCsv, urlr), [
      { line: 2, link: { ...link, url: 'https://example.com/1', code: 'aB1', domain: 'bit.ly' } },
      { line: 3, link: { ...link, url: 'https://example.com/2', code: 'Own', domain: 'brand.example' } },
    ]);
    const api = 'id,long_url,custom_bitlinks,created_at,engagements,tags\nbit.ly/x9,https://example.com/x,"https://bit.ly/first https://bit.ly/second",2020-10-26T17:20:40+0000,"1,024",a;b\n';
    assert.deepEqual(await readAll(readBitlyCsv, api), [
      { line: 2, link: { ...link, url: 'https://example.com/x', code: 'first', domain: 'bit.ly', createdAt: Date.UTC(2020, 9, 26, 17, 20, 40), clicks: 1024, tags: ['a', 'b'] } },
    ]);
  });

  test('when the file has no long URL column, then it is not a Bitly export', async () => {
    await assert.rejects(readAll(readBitlyCsv, 'keyword,target\nab,https://example.com/\n'), /^Error: not a Bitly CSV export: no column named long_url or destination_url/);
  });
});
