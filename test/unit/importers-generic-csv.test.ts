import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readGenericCsv } from '../../src/importers/generic-csv.js';
import { fixture, readAll } from '../support/import-input.js';

const link = { code: null, domain: null, title: null, tags: [], createdAt: null, expiresAt: null, clicks: 0 };
const none = { maxClicks: null, expiredUrl: null, rules: null, destinations: null, og: null };

describe('generic CSV', () => {
  test('when Kurz\'s own export is read back, then every column it writes comes back, into extra where only Kurz has it', async () => {
    const rows = await readAll(readGenericCsv, fixture('kurz-export.csv'));
    assert.deepEqual(rows, [
      { line: 2, link: { ...link, url: 'https://example.com/a', code: 'a1', title: 'Plain', createdAt: Date.UTC(2024, 0, 1), clicks: 12, extra: { ...none, redirectType: 302, archived: false } } },
      {
        line: 3,
        link: {
          url: 'https://example.com/b', code: 'Promo-2024', domain: 'go.example.com', title: 'Sale, "now"', tags: ['promo', '2024'],
          createdAt: Date.UTC(2024, 1, 1, 12), expiresAt: Date.UTC(2030, 0, 1), clicks: 0,
          extra: {
            redirectType: 301, maxClicks: 100, expiredUrl: 'https://example.com/over', archived: true,
            rules: [{ conditions: [{ type: 'country', value: 'DE' }], url: 'https://example.de/' }],
            destinations: [{ url: 'https://a.example/', weight: 1 }, { url: 'https://b.example/', weight: 3 }],
            og: { title: 'Card', image: 'https://example.com/i.png' },
          },
        },
      },
      { line: 4, skipped: 'password', code: 'locked', detail: 'The link is protected by a password, which an export cannot carry.' },
      { line: 5, link: { ...link, url: 'https://example.com/c', code: 'c1', createdAt: 1_700_000_000_000, expiresAt: 1_700_000_000_000, clicks: 5, extra: { ...none, redirectType: 307 } } },
      { line: 6, invalid: 'redirect_type is not 301, 302, 307 or 308: "399"' },
      { line: 7, invalid: 'rules is not JSON: "[not json"' },
      { line: 8, invalid: 'rules is not a JSON array: "{}"' },
      { line: 9, invalid: 'url is empty' },
    ]);
  });

  test('when the file comes 7 bytes at a time, then the rows are the same', async () => {
    assert.deepEqual(await readAll(readGenericCsv, fixture('kurz-export.csv'), 7), await readAll(readGenericCsv, fixture('kurz-export.csv')));
  });

  test('when a hand-made file has only some columns, in another order and spelling, then those are read and extra is absent', async () => {
    const rows = await readAll(readGenericCsv, 'Tags,Created At,URL,Code\r\n" a | b |",2024-05-01,https://example.com/x,x\r\n,,https://example.com/y,\r\n');
    assert.deepEqual(rows, [
      { line: 2, link: { ...link, url: 'https://example.com/x', code: 'x', tags: ['a', 'b'], createdAt: Date.UTC(2024, 4, 1) } },
      { line: 3, link: { ...link, url: 'https://example.com/y' } },
    ]);
  });

  test('when og holds an array or a cell is not a date or a number, then the row is invalid naming the column', async () => {
    const rows = await readAll(readGenericCsv, 'url,og,expires_at,max_clicks\nhttps://e.example/1,[],,\nhttps://e.example/2,,next week,\nhttps://e.example/3,,,1.5\n');
    assert.deepEqual(rows, [
      { line: 2, invalid: 'og is not a JSON object: "[]"' },
      { line: 3, invalid: 'expires_at is not a date and time: "next week"' },
      { line: 4, invalid: 'max_clicks is not a whole number: "1.5"' },
    ]);
  });

  test('when the header has no url column, then it is not a CSV of links', async () => {
    await assert.rejects(readAll(readGenericCsv, 'code,title\na,b\n'), { message: 'not a CSV of links: no column named url or long_url or target or destination' });
  });
});
