/**
 * What the control-character check (domain/plain-text.ts, run on every request's path, query and body)
 * costs next to the JSON parse the body already paid: a typical link body, and a 64 KB body (BODY_LIMIT_BYTES's
 * default) of 1,000 short strings. Microseconds per call, the median of `--rounds` rounds.
 *
 *   node --import tsx bench/plain-text.ts [--rounds 7]
 */
import { parseArgs } from 'node:util';
import { fieldsNotPlain } from '../src/domain/plain-text.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '7' } } });

const bodies = {
  'link body (200 B)': JSON.stringify({ url: 'https://example.com/a/rather/long/path?utm_source=x', title: 'Crème brûlée – a title', tags: ['news', 'food'], redirect_type: 302 }),
  '64 KB body (1,000 strings)': JSON.stringify({ url: 'https://example.com/', tags: Array.from({ length: 1000 }, (_, i) => `tag-${i}-${'é'.repeat(50)}`) }),
};

/** Microseconds per call of `fn`, the median of the rounds. */
function time(fn: () => unknown): number {
  const perRound: number[] = [];
  for (let r = 0; r < Number(values.rounds); r++) {
    let n = 0;
    const start = process.hrtime.bigint();
    while (process.hrtime.bigint() - start < 200_000_000n) {
      fn();
      n++;
    }
    perRound.push(Number(process.hrtime.bigint() - start) / 1000 / n);
  }
  return perRound.sort((a, b) => a - b)[Math.floor(perRound.length / 2)]!;
}

console.log('| body | JSON.parse µs | check µs | check / parse |\n|---|---|---|---|');
for (const [name, text] of Object.entries(bodies)) {
  const parsed = JSON.parse(text);
  const parse = time(() => JSON.parse(text));
  const check = time(() => fieldsNotPlain(parsed, 'body'));
  console.log(`| ${name} | ${parse.toFixed(2)} | ${check.toFixed(2)} | ${((check / parse) * 100).toFixed(0)}% |`);
}
