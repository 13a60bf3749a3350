import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'csv-parse/sync';
import { CSV_COLUMNS, csvCells, csvHeader, csvRows } from '../../src/use-cases/link-csv.js';
import type { LinkRecord } from '../../src/ports.js';

const link = (fields: Partial<LinkRecord> = {}): LinkRecord => ({
  id: 'l1', domainId: 'default', code: 'abc', url: 'https://example.com/', title: null, tags: [], redirectType: 302,
  expiresAt: null, maxClicks: null, expiredUrl: null, archived: false, rules: null, destinations: null, og: null,
  clicks: 0, importedClicks: 0, ownerId: 'u1', hasPassword: false, createdAt: Date.parse('2026-03-04T05:06:07.089Z'), updatedAt: 0, ...fields,
});

describe('link CSV', () => {
  test('when the header is written, then it names the columns in order, CRLF-ended', () => {
    assert.equal(csvHeader(), `${CSV_COLUMNS.join(',')}\r\n`);
  });

  test('when cells hold commas, quotes, CR, LF, CRLF, formulas and non-ASCII, then an RFC 4180 parser reads back exactly them', () => {
    const titles = ['a,b', 'say "hi"', 'one\ntwo', 'one\rtwo', 'one\r\ntwo', '=1+2', '+SUM(A1)', '-3', '@cmd', ' padded ', 'Grüße 😀', '""'];
    const links = titles.map((title, i) => link({ code: `c${i}`, title }));
    const rows: string[][] = parse(csvHeader() + csvRows(links, () => 'kurz.test'));
    assert.deepEqual(rows[0], [...CSV_COLUMNS]);
    assert.deepEqual(rows.slice(1).map((r) => r[3]), titles);
    assert.equal(rows.length, titles.length + 1, 'a line break in a title never splits its row');
  });

  test('when a link has nothing optional, then its optional cells are empty and its flags false', () => {
    assert.deepEqual(csvCells(link(), 'kurz.test'), [
      'https://example.com/', 'abc', 'kurz.test', '', '', '2026-03-04T05:06:07.089Z', '', '0', '302', '', '', 'false', 'false', '', '', '',
    ]);
  });

  test('when a link has clicks of its own and imported ones, then clicks is their sum', () => {
    assert.equal(csvCells(link({ clicks: 3, importedClicks: 1_000_000 }), '')[CSV_COLUMNS.indexOf('clicks')], '1000003');
  });

  test('when a link has rules, a split and a card, then each is its stored JSON, time bounds in epoch ms', () => {
    const rules = [{ url: 'https://example.com/t', conditions: [{ type: 'time' as const, after: 1, before: 2 }] }];
    const cells = csvCells(link({ rules, destinations: [{ url: 'https://a.example/', weight: 2 }], og: { title: 'T' }, tags: ['x', 'y'] }), '');
    const at = (column: (typeof CSV_COLUMNS)[number]) => cells[CSV_COLUMNS.indexOf(column)];
    assert.deepEqual(JSON.parse(at('rules')!), rules);
    assert.equal(at('destinations'), '[{"url":"https://a.example/","weight":2}]');
    assert.equal(at('og'), '{"title":"T"}');
    assert.equal(at('tags'), 'x|y');
  });
});
