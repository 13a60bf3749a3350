import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { PostgresAdapter, sql } from 'kysely';
import type { LinkRecord, NewLink } from '../../../src/ports.js';
import { later, newLink, newUser, newestFirst, pageThrough, type ContractContext } from './fixtures.js';

/** expired_url and archived (migration 0007): kept, changed, read by the redirect, and the archived listing. */
export function linkOptionsContract({ store: s }: ContractContext): void {
  const someUserId = async () => (await s().createUser(newUser())).id;
  const insert = (ownerId: string, over: Partial<NewLink> = {}) => s().insertLink(newLink(ownerId, over));
  const ids = (links: LinkRecord[]) => links.map((l) => l.id);

  describe('link options', () => {
    test('when a link is inserted with expiredUrl and archived, then every read returns them; without them, null and false', async () => {
      const ownerId = await someUserId();
      const link = await insert(ownerId, { expiredUrl: 'https://example.com/over', archived: true });
      assert.equal(link.expiredUrl, 'https://example.com/over');
      assert.equal(link.archived, true);
      assert.deepEqual(await s().findLinkById(link.id), link);
      assert.equal((await s().findTargetByCode(link.code))?.expiredUrl, 'https://example.com/over');

      const { expiredUrl: _u, archived: _a, ...bare } = newLink(ownerId);
      const plain = await s().insertLink(bare);
      assert.equal(plain.expiredUrl, null);
      assert.equal(plain.archived, false);
      assert.deepEqual(await s().findLinkById(plain.id), plain);
      await s().insertLinks([{ ...newLink(ownerId), expiredUrl: 'https://example.com/bulk', archived: true }]);
    });

    test('when updateLink sets or clears expiredUrl and archived, then only they change', async () => {
      const link = await insert(await someUserId(), { title: 'T' });
      const set = await s().updateLink(link.id, { expiredUrl: 'https://example.com/next', archived: true }, later());
      assert.equal(set?.expiredUrl, 'https://example.com/next');
      assert.equal(set?.archived, true);
      assert.equal(set?.title, 'T');
      const cleared = await s().updateLink(link.id, { expiredUrl: null, archived: false }, later());
      assert.equal(cleared?.expiredUrl, null);
      assert.equal(cleared?.archived, false);
      const untouched = await s().updateLink(link.id, { title: 'U' }, later());
      assert.equal(untouched?.archived, false);
    });

    test('when a limited link is used up, then countVisit answers exhausted with its expiredUrl, counting nothing', async () => {
      const link = await insert(await someUserId(), { maxClicks: 1, expiredUrl: 'https://example.com/fallback' });
      assert.equal((await s().countVisit(link.code, later())).outcome, 'live');
      const visit = await s().countVisit(link.code, later());
      assert.ok(visit.outcome === 'exhausted', visit.outcome);
      assert.equal(visit.link.expiredUrl, 'https://example.com/fallback');
      assert.equal((await s().findLinkById(link.id))?.clicks, 1);
    });

    test('listLinks with archived true lists only archived links, false only the others, absent both; paging by (createdAt, id) either way', async () => {
      const ownerId = await someUserId();
      const createdAt = later(); // equal times: the id breaks the tie, across the filter too
      const links: LinkRecord[] = [];
      for (let i = 0; i < 9; i++) links.push(await insert(ownerId, { archived: i % 3 === 0, createdAt: i < 5 ? createdAt : later() }));
      const archived = ids(newestFirst(links.filter((l) => l.archived)));
      const live = ids(newestFirst(links.filter((l) => !l.archived)));
      assert.deepEqual(ids(await s().listLinks({ limit: 100, ownerId, archived: true })), archived);
      assert.deepEqual(ids(await s().listLinks({ limit: 100, ownerId, archived: false })), live);
      assert.deepEqual(ids(await s().listLinks({ limit: 100, ownerId })), ids(newestFirst(links)));
      for (const limit of [1, 2, 4]) {
        assert.deepEqual(await pageThrough((q) => s().listLinks({ ...q, ownerId, archived: true }), limit), archived, `limit ${limit}`);
        assert.deepEqual(await pageThrough((q) => s().listLinks({ ...q, ownerId, archived: false }), limit), live, `limit ${limit}`);
      }
      const everyonesArchived = ids(await s().listLinks({ limit: 1000, archived: true }));
      assert.ok(archived.every((id) => everyonesArchived.includes(id)));
      assert.ok(live.every((id) => !everyonesArchived.includes(id)));
    });

    test('when archived links are listed, then the planner reads the partial index of archived links, per owner and for all', async () => {
      const db = s().db;
      const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
      const cursor = { createdAt: later(), id: 'z' };
      const plans = await db.transaction().execute(async (trx) => {
        // PostgreSQL would scan a small table whole: forbid that, so the plan shows the index it can use.
        if (postgres) await sql`set local enable_seqscan = off`.execute(trx);
        const explain = async (ownerId: string | undefined) => {
          let q = trx.selectFrom('links').selectAll().where(sql<boolean>`archived = ${sql.lit(1)}`)
            .where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(cursor.createdAt, cursor.id)));
          if (ownerId) q = q.where('owner_id', '=', ownerId);
          const compiled = q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(21).compile();
          const { rows } = await trx.executeQuery({ ...compiled, sql: `${postgres ? 'explain' : 'explain query plan'} ${compiled.sql}` });
          return JSON.stringify(rows);
        };
        return [await explain('someone'), await explain(undefined)];
      });
      for (const plan of plans) assert.match(plan, /links_archived_(owner_)?created_id/);
    });
  });
}
