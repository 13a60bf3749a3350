/**
 * One contract, every adapter: the same suite runs against SQLite and PostgreSQL, so the dialects
 * cannot drift. Each part of the contract lives in ./store/ and shares the suite's store.
 */
import { describe, before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import type { KyselyStore } from '../../src/adapters/store/index.js';
import { DIALECTS, createTestStore } from '../support/stores.js';
import type { ContractContext } from './store/fixtures.js';
import { usersContract } from './store/users.js';
import { credentialsContract } from './store/credentials.js';
import { linksContract } from './store/links.js';
import { bulkLinksContract } from './store/bulk-links.js';
import { clicksContract } from './store/clicks.js';
import { clickRoutesContract } from './store/click-routes.js';
import { domainsContract } from './store/domains.js';
import { idempotencyContract } from './store/idempotency.js';
import { linkOptionsContract } from './store/link-options.js';
import { linkRoutingContract } from './store/link-routing.js';
import { importsContract } from './store/imports.js';

for (const dialect of DIALECTS) {
  describe(`store contract: ${dialect}`, () => {
    let store: KyselyStore | undefined;
    let close = async () => {};
    before(async () => ({ store, close } = await createTestStore(dialect)));
    after(() => close());

    const ctx: ContractContext = {
      store: () => {
        if (!store) throw new Error('store not created yet');
        return store;
      },
      async withFreshStore(fn) {
        const fresh = await createTestStore(dialect);
        try {
          await fn(fresh.store);
        } finally {
          await fresh.close();
        }
      },
    };

    test('migrate() again is a no-op and ping() resolves', async () => {
      assert.deepEqual(await ctx.store().migrate(), []);
      assert.deepEqual(await ctx.store().migrate(), []);
      await ctx.store().ping();
    });

    test('when a newer version has migrated the database, then migrate() leaves its schema alone and names what it does not know', async () => {
      await ctx.withFreshStore(async (store) => {
        await sql`insert into kysely_migration (name, timestamp) values (${'9999-from-the-future'}, ${new Date().toISOString()})`.execute(store.db);
        assert.deepEqual(await store.migrate(), ['9999-from-the-future']);
        await store.ping();
      });
    });

    // users first: its first test relies on the suite's database having no user yet
    usersContract(ctx);
    credentialsContract(ctx);
    linksContract(ctx);
    bulkLinksContract(ctx);
    clicksContract(ctx);
    clickRoutesContract(ctx);
    domainsContract(ctx);
    idempotencyContract(ctx);
    linkOptionsContract(ctx);
    linkRoutingContract(ctx);
    importsContract(ctx);
  });
}
