import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GroupCommit } from '../../src/adapters/store/group-commit.js';
import { StoreUnavailable } from '../../src/ports.js';

/** A writeAll that records the groups it was given and fails the items `bad` names. */
function recorder(bad: (item: number) => boolean = () => false, failGroupsLargerThan = Infinity) {
  const groups: number[][] = [];
  const writeAll = async (items: number[]) => {
    groups.push(items);
    if (items.length > failGroupsLargerThan) throw new Error('the transaction failed');
    return items.map((i) => (bad(i) ? new Error(`bad ${i}`) : i * 10));
  };
  return { groups, writeAll };
}

test('writes added in one turn of the event loop go in one group, and each gets its own result', async () => {
  const { groups, writeAll } = recorder();
  const commits = new GroupCommit(writeAll);
  const results = await Promise.all([1, 2, 3].map((i) => commits.add(i)));
  assert.deepEqual(results, [10, 20, 30]);
  assert.deepEqual(groups, [[1, 2, 3]]);
});

test('writes added while a group is being written wait for the next group', async () => {
  const { groups, writeAll } = recorder();
  const commits = new GroupCommit(writeAll);
  const first = commits.add(1);
  await new Promise((resolve) => setImmediate(resolve)); // the first group is under way
  const later = [commits.add(2), commits.add(3)];
  assert.deepEqual(await Promise.all([first, ...later]), [10, 20, 30]);
  assert.deepEqual(groups, [[1], [2, 3]]);
});

test('an item that fails alone rejects alone', async () => {
  const commits = new GroupCommit(recorder((i) => i === 2).writeAll);
  const outcomes = await Promise.allSettled([1, 2, 3].map((i) => commits.add(i)));
  assert.deepEqual(outcomes.map((o) => o.status), ['fulfilled', 'rejected', 'fulfilled']);
  assert.equal((outcomes[1] as PromiseRejectedResult).reason.message, 'bad 2');
});

test('when the whole group fails, each item is tried on its own, so the others still succeed', async () => {
  const { groups, writeAll } = recorder(() => false, 1);
  const commits = new GroupCommit(writeAll);
  assert.deepEqual(await Promise.all([1, 2, 3].map((i) => commits.add(i))), [10, 20, 30]);
  assert.deepEqual(groups, [[1, 2, 3], [1], [2], [3]]);
});

test('when the store is unavailable, every item of the group fails with that at once, none is tried alone', async () => {
  const groups: number[][] = [];
  const down = new StoreUnavailable('timeout', 'the database did not answer in time; try again shortly');
  const commits = new GroupCommit(async (items: number[]) => {
    groups.push(items);
    throw down;
  });
  const outcomes = await Promise.allSettled([1, 2, 3].map((i) => commits.add(i)));
  assert.deepEqual(outcomes.map((o) => o.status === 'rejected' && o.reason), [down, down, down]);
  assert.deepEqual(groups, [[1, 2, 3]], 'one attempt for the group: on a hung store each retry would cost another timeout');
});

test('groups are no larger than maxGroup', async () => {
  const { groups, writeAll } = recorder();
  const commits = new GroupCommit(writeAll, 2);
  await Promise.all([1, 2, 3, 4, 5].map((i) => commits.add(i)));
  assert.deepEqual(groups, [[1, 2], [3, 4], [5]]);
});
