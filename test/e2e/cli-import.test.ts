/**
 * `kurz import` and `kurz export`, in-process on temporary SQLite files: moving in from each peer's
 * export in one command, what a second run and an interrupted one do, and the round trip
 * export → import → export, which must give the same file.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './process-helpers.js';
import { kurzOn, type Ran } from '../support/cli.js';

const PASSWORD = 'correct horse battery staple';
const fixture = (name: string) => join(import.meta.dirname, '..', 'fixtures', 'import', name);

/** A fresh database with one admin; its `kurz`. */
async function freshKurz(dir: string, name: string) {
  const kurz = kurzOn({ DATABASE_URL: `sqlite:${join(dir, `${name}.db`)}`, LOG_LEVEL: 'warn', BASE_URL: 'https://kurz.example' });
  const made = await kurz(['user', 'create', '--email', 'ann@example.com', '--admin', '--json'], { env: { KURZ_PASSWORD: PASSWORD } });
  assert.equal(made.code, 0, made.stderr);
  return kurz;
}

const report = (ran: Ran) => {
  assert.equal(ran.code, 0, ran.stderr);
  return JSON.parse(ran.stdout) as Record<string, number> & { examples: Record<string, { line: number; code: string | null; reason: string }[]>; notes: string[] };
};
const links = (ran: Ran) => {
  assert.equal(ran.code, 0, ran.stderr);
  return ran.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
};

describe('kurz import and kurz export', () => {
  const tmp = tempDir();
  after(tmp.remove);
  let kurz: Awaited<ReturnType<typeof freshKurz>>;
  before(async () => {
    kurz = await freshKurz(tmp.dir, 'peers');
  });

  test('when each peer\'s export is imported with one command, then its links go in and the rest are reported by line', async () => {
    const cases: [string, string, number][] = [
      ['bitly', 'bitly-links.csv', 5], ['bitly', 'bitly-bitlinks.json', 0], ['kutt', 'kutt-links.json', 0], ['shlink', 'shlink-short-urls.csv', 0],
      ['yourls', 'yourls-mysqldump.sql', 0], ['yourls', 'yourls-url-no-header.csv', 0],
    ];
    for (const [from, file, expected] of cases) {
      const got = report(await kurz(['import', '--from', from, fixture(file), '--json']));
      assert.equal(got.read, got.imported + got.duplicates + got.conflicts + got.invalid + got.skipped, `${file}: every row is counted once`);
      assert.ok(got.imported > 0, `${file}: some links went in: ${JSON.stringify(got)}`);
      if (expected) assert.equal(got.imported, expected, file);
    }
    const bitly = links(await kurz(['link', 'get', 'spring', '--json']));
    assert.equal(bitly[0]!.url, 'https://shop.example.com/sale?utm_source=bitly');
    assert.equal(bitly[0]!.imported_clicks, 1204, 'the peer\'s visit total is kept apart');
    assert.equal(bitly[0]!.clicks, 0);
  });

  test('when an import is run again, then nothing is added: what went in is a duplicate', async () => {
    const again = report(await kurz(['import', '--from', 'bitly', fixture('bitly-links.csv'), '--json']));
    assert.equal(again.imported, 0);
    assert.equal(again.duplicates, 5);
    assert.equal(again.invalid, 4);
    assert.deepEqual(again.examples.invalid.map((e) => e.line), [7, 8, 11, 12]);
  });

  test('when a code is taken by another link, then the row is a conflict and the link there is left as it was', async () => {
    const file = join(tmp.dir, 'taken.csv');
    writeFileSync(file, 'url,code\nhttps://elsewhere.example/,spring\nhttps://example.com/api,api\n');
    const got = report(await kurz(['import', '--from', 'csv', file, '--json']));
    assert.equal(got.conflicts, 2);
    assert.deepEqual(got.examples.conflicts.map((e) => e.code), ['spring', 'api'], 'a reserved word is a conflict too');
    assert.equal(links(await kurz(['link', 'get', 'spring', '--json']))[0]!.url, 'https://shop.example.com/sale?utm_source=bitly');
  });

  test('when the file is not the format named, then the exit is 2, the message says so, and nothing is written', async () => {
    const before = links(await kurz(['link', 'list', '--every-page', '--all', '--json'])).length;
    const ran = await kurz(['import', '--from', 'kutt', fixture('bitly-links.csv')]);
    assert.equal(ran.code, 2);
    assert.match(ran.stderr, /not a Kutt/);
    assert.equal(links(await kurz(['link', 'list', '--every-page', '--all', '--json'])).length, before);
  });

  test('when a dry run is asked, then the report says what would happen and nothing is written', async () => {
    const file = join(tmp.dir, 'dry.csv');
    writeFileSync(file, 'url,code,title\nhttps://example.com/dry,dry-one,"A title, with a comma"\n');
    const got = report(await kurz(['import', '--from', 'csv', file, '--dry-run', '--json']));
    assert.equal(got.imported, 1);
    assert.equal(got.dry_run as unknown, true);
    assert.equal((await kurz(['link', 'get', 'dry-one'])).code, 1);
  });

  test('when an import is interrupted, then it stops between batches with exit 1, and running it again finishes it', async () => {
    const file = join(tmp.dir, 'big.csv');
    writeFileSync(file, `code,url\n${Array.from({ length: 12_000 }, (_, i) => `big${i},https://example.com/big/${i}`).join('\n')}\n`);
    const stopped = await kurz(['import', '--from', 'csv', file, '--json'], { interrupt: true });
    assert.equal(stopped.code, 1);
    assert.match(stopped.stderr, /interrupted.*run the same command again/);
    const first = JSON.parse(stopped.stdout) as { interrupted: boolean; imported: number };
    assert.equal(first.interrupted, true);
    assert.equal(first.imported % 5_000, 0, 'only whole batches were written');
    const rest = report(await kurz(['import', '--from', 'csv', file, '--json']));
    assert.equal(rest.duplicates, first.imported);
    assert.equal(rest.imported, 12_000 - first.imported);
  });

  test('when links are exported as CSV and imported into another database, then exporting that one gives the same file', async () => {
    const source = await freshKurz(tmp.dir, 'round-trip-source');
    // Every field the export carries: routing, limits, an archived link, a title with a comma, quotes and a line break.
    const made = join(tmp.dir, 'made.csv');
    writeFileSync(made, [
      'url,code,title,tags,created_at,expires_at,clicks,redirect_type,max_clicks,expired_url,archived,rules,destinations,og',
      'https://example.com/a,a1,"Plain, ""quoted""",x|y,2024-01-01T00:00:00.000Z,,12,302,,,false,,,',
      'https://example.com/b,Promo-2024,"Two',
      'lines",promo,2024-02-01T12:00:00.000Z,2030-01-01T00:00:00.000Z,40,301,100,https://example.com/over,true,'
        + '"[{""conditions"":[{""type"":""country"",""value"":""DE""}],""url"":""https://example.de/""}]",'
        + '"[{""url"":""https://a.example/"",""weight"":1},{""url"":""https://b.example/"",""weight"":3}]",'
        + '"{""title"":""Card"",""image"":""https://example.com/i.png""}"',
      'https://example.com/=formula,f1,=1+1,,2024-03-01T00:00:00.000Z,,0,308,,,false,,,',
    ].join('\r\n'));
    assert.equal(report(await source(['import', '--from', 'csv', made, '--json'])).imported, 3);
    const exported = await source(['export']);
    assert.equal(exported.code, 0, exported.stderr);
    assert.equal(exported.stdout.trim().split('\r\n').length, 4, exported.stdout);

    const file = join(tmp.dir, 'exported.csv');
    writeFileSync(file, exported.stdout);
    const target = await freshKurz(tmp.dir, 'round-trip-target');
    assert.equal(report(await target(['import', '--from', 'csv', file, '--json'])).imported, 3);
    const out = join(tmp.dir, 'again.csv');
    assert.equal((await target(['export', '--output', out])).code, 0);
    assert.equal(readFileSync(out, 'utf8'), exported.stdout);

    const json = await target(['export', '--format', 'json']);
    const items = JSON.parse(json.stdout) as { code: string; imported_clicks: number; rules: unknown[] }[];
    assert.deepEqual(items.map((l) => l.code).sort(), ['Promo-2024', 'a1', 'f1']);
    assert.equal(items.find((l) => l.code === 'Promo-2024')!.imported_clicks, 40);
  });
});
