import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { newId as NewId } from '../../src/domain/ids.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
let instance = 0;

/** newId from a fresh copy of the module: the generator remembers its last millisecond, so tests must not share it. */
async function freshNewId(): Promise<typeof NewId> {
  const mod = (await import(new URL(`../../src/domain/ids.js?instance=${++instance}`, import.meta.url).href)) as {
    newId: typeof NewId;
  };
  return mod.newId;
}

/** The Unix millisecond timestamp in the first 48 bits. */
const timeOf = (id: string): number => parseInt(id.replace(/-/g, '').slice(0, 12), 16);
const isSorted = (ids: string[]) => ids.every((id, i) => i === 0 || ids[i - 1]! < id);

describe('newId', () => {
  test('is a UUIDv7: version nibble 7 and variant bits 10, also when many share a millisecond', async () => {
    const newId = await freshNewId();
    const at = Date.UTC(2024, 5, 1);
    for (let i = 0; i < 5000; i++) {
      const id = newId(at + Math.floor(i / 1000));
      assert.match(id, UUID);
      assert.equal(id[14], '7', `version of ${id}`);
      assert.match(id[19]!, /[89ab]/, `variant of ${id}`);
    }
  });

  test('carries the given millisecond timestamp in its first 48 bits', async () => {
    const newId = await freshNewId();
    const at = Date.UTC(2024, 0, 2, 3, 4, 5, 678);
    assert.equal(timeOf(newId(at)), at);
    assert.equal(timeOf(newId(at + 1)), at + 1);
  });

  test('defaults to the current time', async () => {
    const newId = await freshNewId();
    const before = Date.now();
    const id = newId();
    const after = Date.now();
    assert.ok(timeOf(id) >= before && timeOf(id) <= after, `${timeOf(id)} within [${before}, ${after}]`);
  });

  test('is unique across 10,000 calls in the same millisecond', async () => {
    const newId = await freshNewId();
    const at = Date.now();
    const ids = new Set(Array.from({ length: 10_000 }, () => newId(at)));
    assert.equal(ids.size, 10_000);
  });

  test('ids made at increasing times sort in time order', async () => {
    const newId = await freshNewId();
    const start = Date.UTC(2020, 0, 1);
    const ids = [0, 1, 2, 999, 1000, 86_400_000, 2 ** 40].map((d) => newId(start + d));
    assert.ok(isSorted(ids), ids.join('\n'));
  });

  test('ids made in the same millisecond sort in the order they were made, past 4,096 of them', async () => {
    const newId = await freshNewId();
    const at = Date.UTC(2024, 0, 1);
    const ids = Array.from({ length: 10_000 }, () => newId(at));
    assert.ok(isSorted(ids));
  });

  test('when the clock goes backwards, ids keep increasing', async () => {
    const newId = await freshNewId();
    const at = Date.UTC(2024, 0, 1);
    const ids = [newId(at), newId(at - 1), newId(at - 60_000), newId(at)];
    assert.ok(isSorted(ids), ids.join('\n'));
  });
});
