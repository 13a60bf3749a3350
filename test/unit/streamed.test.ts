import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { streamed } from '../../src/http/streamed.js';

const read = async (stream: AsyncIterable<Buffer | string>) => {
  let text = '';
  for await (const chunk of stream) text += String(chunk);
  return text;
};

describe('streamed', () => {
  test('when every chunk comes, then the stream carries them all, in order', async () => {
    const body = await streamed((async function* chunks() {
      yield 'a';
      yield 'b';
      yield 'c';
    })());
    assert.equal(await read(body), 'abc');
  });

  test('when the first chunk fails, then streamed itself rejects, before any byte could be sent', async () => {
    await assert.rejects(streamed((async function* chunks(): AsyncGenerator<string> {
      throw new Error('store down');
    })()), /store down/);
  });

  test('when a later chunk fails, then the stream errors after the chunks before it, so a reader sees it cut short', async () => {
    const body = await streamed((async function* chunks() {
      yield 'first';
      throw new Error('store down');
    })());
    const seen: string[] = [];
    await assert.rejects((async () => {
      for await (const chunk of body) seen.push(String(chunk));
    })(), /store down/);
    assert.deepEqual(seen, ['first']);
  });

  test('when the reader stops early, then the chunks\' generator is closed (its finally runs)', async () => {
    let closed = false;
    const body = await streamed((async function* chunks() {
      try {
        for (;;) yield 'x';
      } finally {
        closed = true;
      }
    })());
    for await (const _ of body) break;
    assert.equal(closed, true);
  });
});
