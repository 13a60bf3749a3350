import { test } from 'node:test';
import assert from 'node:assert/strict';
import { epochMs, splitShortLink } from '../../src/importers/fields.js';
import { firstInvalidByte, Utf8Guard, type BadByte } from '../../src/importers/utf8.js';

test('when a peer\'s time has a zone, then it is honoured; when it has none, then it is UTC', () => {
  assert.equal(epochMs('2019-06-24T16:15:39+0000'), Date.UTC(2019, 5, 24, 16, 15, 39));
  assert.equal(epochMs('2019-06-24T18:15:39+02:00'), Date.UTC(2019, 5, 24, 16, 15, 39));
  assert.equal(epochMs('2019-06-24T11:15:39-0500'), Date.UTC(2019, 5, 24, 16, 15, 39));
  assert.equal(epochMs('2024-01-05T10:20:30.123Z'), Date.UTC(2024, 0, 5, 10, 20, 30, 123));
  assert.equal(epochMs('2024-03-01 10:00:00'), Date.UTC(2024, 2, 1, 10));
  assert.equal(epochMs('2024-03-01'), Date.UTC(2024, 2, 1));
});

test('when a time is not one, then it is null', () => {
  for (const text of ['yesterday', '2024-02-30 00:00:00', '2024-13-01', '0000-00-00 00:00:00', '2024-01-01T25:00:00Z', '', '1700000000']) {
    assert.equal(epochMs(text), null, text);
  }
});

test('when a short link is split, then the host is lower-case and the code keeps its case', () => {
  assert.deepEqual(splitShortLink('bit.ly/2Xf3aBc'), { domain: 'bit.ly', code: '2Xf3aBc' });
  assert.deepEqual(splitShortLink('https://Go.Example.com/Spring'), { domain: 'go.example.com', code: 'Spring' });
  assert.deepEqual(splitShortLink('bit.ly/'), { domain: 'bit.ly', code: null });
  assert.equal(splitShortLink('http://'), null);
});

function guarded(chunks: number[][]): { out: number[]; bad: BadByte[] } {
  const guard = new Utf8Guard();
  const bad: BadByte[] = [];
  guard.onBad = (b) => bad.push(b);
  const out = chunks.flatMap((chunk) => [...guard.write(Uint8Array.from(chunk))]);
  return { out: [...out, ...guard.end()], bad };
}

test('when a sequence is cut by a chunk boundary, then it passes whole and nothing is reported', () => {
  const euro = [0xe2, 0x82, 0xac];
  assert.deepEqual(guarded([[0x61, 0xe2], [0x82], [0xac, 0x62]]), { out: [0x61, ...euro, 0x62], bad: [] });
});

test('when bytes are not UTF-8, then each is reported at its offset and replaced one for one', () => {
  // Latin-1 é, an overlong '/', a surrogate, a lone continuation byte, and a sequence cut by the end.
  const { out, bad } = guarded([[0x63, 0xe9, 0x20], [0xc0, 0xaf, 0xed, 0xa0, 0x80], [0x80, 0xf0, 0x9f]]);
  assert.equal(out.length, 11);
  assert.deepEqual(bad.map((b) => b.offset), [1, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.equal(bad[0]!.byte, 0xe9);
  assert.equal(firstInvalidByte(Buffer.from('ok caf\xe9', 'latin1')), 6);
  assert.equal(firstInvalidByte(Buffer.from('été 🎉')), -1);
});
