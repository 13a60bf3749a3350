import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Output, colourOn, displayWidth, formatTable, truncate, type Column } from '../../src/cli/output.js';
import { Progress, clockTime } from '../../src/cli/progress.js';

interface Row { code: string; url: string; clicks: number }
const COLUMNS: Column<Row>[] = [
  { header: 'CODE', cell: (r) => r.code },
  { header: 'URL', cell: (r) => r.url, shrinks: true },
  { header: 'CLICKS', cell: (r) => String(r.clicks), align: 'right' },
];
const ROWS: Row[] = [
  { code: 'docs', url: 'https://example.com/a/very/long/path/indeed', clicks: 12345 },
  { code: '日本', url: 'https://例え.jp/', clicks: 7 },
];

/** A sink that keeps what is written. */
function sink(isTTY = false, columns?: number) {
  let text = '';
  return { write: (t: string) => void (text += t), isTTY, columns, text: () => text };
}

test('when cells hold wide characters, then columns align by display width, not by string length', () => {
  const lines = formatTable(COLUMNS, ROWS);
  const clicksEnd = lines.map((line) => displayWidth(line));
  assert.equal(new Set(clicksEnd).size, 1, lines.join('\n'));
  assert.equal(displayWidth('日本'), 4);
  assert.equal(displayWidth('e\u0301'), 1, 'a combining accent takes no column');
  assert.ok(lines[1]!.endsWith('12345') && lines[2]!.endsWith('    7'), 'numbers align right');
});

test('when the table is wider than the terminal, then the shrinking column is cut with "…" and the row fits', () => {
  const lines = formatTable(COLUMNS, ROWS, { width: 40 });
  for (const line of lines) assert.ok(displayWidth(line) <= 40, `${line} (${displayWidth(line)})`);
  assert.match(lines[1]!, /https:\/\/exam[^ ]*… /);
  assert.match(lines[1]!, /^docs /, 'columns that do not shrink are kept whole');
});

test('when a text is cut, then it ends in "…" within the width, wide characters included', () => {
  assert.equal(truncate('abcdef', 4), 'abc…');
  assert.equal(truncate('abc', 4), 'abc');
  assert.equal(truncate('日本語です', 5), '日本…');
  assert.ok(displayWidth(truncate('日本語です', 4)) <= 4);
});

test('when NO_COLOR is set to any value, even empty, then nothing is coloured, on a terminal or forced', () => {
  assert.equal(colourOn({ write() {}, isTTY: true }, {}), true);
  assert.equal(colourOn({ write() {}, isTTY: true }, { NO_COLOR: '' }), false);
  assert.equal(colourOn({ write() {}, isTTY: false }, { FORCE_COLOR: '1' }), true);
  assert.equal(colourOn({ write() {}, isTTY: false }, { FORCE_COLOR: '1', NO_COLOR: '1' }), false);
  assert.equal(colourOn({ write() {}, isTTY: false }, {}), false, 'a pipe gets plain text');
  const stdout = sink(true, 200);
  new Output({ stdout, stderr: sink(), env: { NO_COLOR: '1' } }, false).list(ROWS, COLUMNS, (r) => r);
  assert.doesNotMatch(stdout.text(), /\u001b\[/);
  const coloured = sink(true, 200);
  new Output({ stdout: coloured, stderr: sink(), env: {} }, false).list(ROWS, COLUMNS, (r) => r);
  assert.match(coloured.text(), /\u001b\[1mCODE/);
});

test('when --json lists records, then stdout holds one JSON object a line and nothing else', () => {
  const stdout = sink(true, 20);
  const stderr = sink();
  const out = new Output({ stdout, stderr, env: {} }, true);
  out.list(ROWS, COLUMNS, (r) => ({ code: r.code, clicks: r.clicks }));
  out.line('not data');
  out.note('a message');
  assert.deepEqual(stdout.text().trimEnd().split('\n').map((l) => JSON.parse(l)), [{ code: 'docs', clicks: 12345 }, { code: '日本', clicks: 7 }]);
  assert.equal(stderr.text(), 'kurz: a message\n');
});

test('when progress is not on a terminal, then it writes one line each time another tenth is done', () => {
  const out = sink(false);
  const progress = new Progress(out, 'links', 100, () => 0);
  for (let i = 0; i < 100; i++) progress.advance(1);
  progress.end();
  const lines = out.text().trimEnd().split('\n');
  assert.equal(lines.length, 10);
  assert.equal(lines[0], '10% (10 of 100 links)');
  assert.equal(lines[9], '100% (100 of 100 links)');
});

test('when progress is on a terminal, then the bar is redrawn at most every 100 ms, with count, rate and time left', () => {
  const out = sink(true);
  let now = 0;
  const progress = new Progress(out, 'links', 1000, () => now);
  for (let i = 0; i < 10; i++) {
    now += 10;
    progress.advance(50);
  }
  assert.equal(out.text().split('\r').length - 1, 1, 'ten advances within 100 ms draw once');
  assert.match(progress.bar(1000), /^\[#{12}-{12}\] 500\/1,000 links {2}500\/s {2}0:01 left$/);
  assert.equal(clockTime(3725), '1:02:05');
  assert.equal(clockTime(Infinity), '?');
});
