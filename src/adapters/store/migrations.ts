import type { Kysely, Migration, MigrationProvider } from 'kysely';
import { carryOverRollups } from './carry-over.js';

/**
 * Schema history, oldest first. The schema builder emits the same DDL for SQLite and PostgreSQL;
 * `bigint` holds epoch milliseconds on both.
 */
const migrations: Record<string, Migration> = {
  '0001-core': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('email', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text')
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('users_created_at_id').on('users').columns(['created_at', 'id']).execute();

      await db.schema
        .createTable('first_admin')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('refresh_tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('family_id', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('used_at', 'bigint')
        .addColumn('revoked_at', 'bigint')
        .execute();
      await db.schema.createIndex('refresh_tokens_family').on('refresh_tokens').column('family_id').execute();
      await db.schema.createIndex('refresh_tokens_user').on('refresh_tokens').column('user_id').execute();

      await db.schema
        .createTable('api_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('prefix', 'text', (c) => c.notNull().unique())
        .addColumn('key_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint')
        .addColumn('revoked_at', 'bigint')
        .execute();
      await db.schema.createIndex('api_keys_user').on('api_keys').columns(['user_id', 'created_at']).execute();

      await db.schema
        .createTable('links')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('code', 'text', (c) => c.notNull())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('title', 'text')
        .addColumn('redirect_type', 'integer', (c) => c.notNull())
        .addColumn('expires_at', 'bigint')
        .addColumn('max_clicks', 'bigint')
        .addColumn('clicks', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('owner_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      // The redirect: one lookup by code. Listing: keyset over (owner, created_at, id), and over
      // (created_at, id) for an admin's view of every owner.
      await db.schema.createIndex('links_code').on('links').column('code').unique().execute();
      await db.schema.createIndex('links_owner_created_id').on('links').columns(['owner_id', 'created_at', 'id']).execute();
      await db.schema.createIndex('links_created_id').on('links').columns(['created_at', 'id']).execute();

      await db.schema
        .createTable('link_tags')
        .addColumn('link_id', 'text', (c) => c.notNull().references('links.id').onDelete('cascade'))
        .addColumn('tag', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('link_tags_pk', ['link_id', 'tag'])
        .execute();
      await db.schema.createIndex('link_tags_tag').on('link_tags').columns(['tag', 'link_id']).execute();
    },
  },
  '0002-click-analytics': {
    async up(db: Kysely<any>) {
      // Ids of the click events already applied: a redelivered event finds its id here and counts
      // nothing. Pruned after the redelivery window (CLICK_DEDUPE_DAYS), so it never becomes the raw log.
      await db.schema
        .createTable('applied_clicks')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('applied_clicks_at').on('applied_clicks').column('at').execute();

      // Clicks per link per hour (granularity 'hour') or, past the retention, per day ('day'): the
      // total, and per value of each dimension (referrer, country, browser, os, device); bots apart.
      await db.schema
        .createTable('click_rollups')
        .addColumn('link_id', 'text', (c) => c.notNull().references('links.id').onDelete('cascade'))
        .addColumn('granularity', 'text', (c) => c.notNull())
        .addColumn('bucket', 'bigint', (c) => c.notNull())
        .addColumn('dimension', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('bot', 'integer', (c) => c.notNull())
        .addColumn('clicks', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('click_rollups_pk', ['link_id', 'dimension', 'bucket', 'granularity', 'value', 'bot'])
        .execute();
      // Retention folds old hourly rows: found by (granularity, bucket).
      await db.schema.createIndex('click_rollups_age').on('click_rollups').columns(['granularity', 'bucket']).execute();

      // Rows to lock, so that jobs which several processes run (compaction) never run twice at once.
      await db.schema.createTable('locks').addColumn('name', 'text', (c) => c.primaryKey()).execute();
      await db.insertInto('locks').values({ name: 'compact-clicks' }).execute();
    },
  },
  '0003-click-counts': {
    async up(db: Kysely<any>) {
      // One row per link, hour (or day), bot-ness and combination of referrer, country, browser, os and
      // device, instead of 0002's one row per dimension: a batch of clicks writes a sixth of the rows.
      await db.schema
        .createTable('click_counts')
        .addColumn('link_id', 'text', (c) => c.notNull().references('links.id').onDelete('cascade'))
        .addColumn('granularity', 'text', (c) => c.notNull())
        .addColumn('bucket', 'bigint', (c) => c.notNull())
        .addColumn('bot', 'integer', (c) => c.notNull())
        .addColumn('referrer', 'text', (c) => c.notNull())
        .addColumn('country', 'text', (c) => c.notNull())
        .addColumn('browser', 'text', (c) => c.notNull())
        .addColumn('os', 'text', (c) => c.notNull())
        .addColumn('device', 'text', (c) => c.notNull())
        .addColumn('clicks', 'bigint', (c) => c.notNull())
        // A link's stats read a range of buckets: the key leads with (link_id, bucket).
        .addPrimaryKeyConstraint('click_counts_pk', ['link_id', 'bucket', 'granularity', 'bot', 'referrer', 'country', 'browser', 'os', 'device'])
        .execute();
      await db.schema.createIndex('click_counts_age').on('click_counts').columns(['granularity', 'bucket']).execute();
      await carryOverRollups(db);
      await db.schema.dropTable('click_rollups').execute();
    },
  },
  '0004-accounts-hardening': {
    async up(db: Kysely<any>) {
      // What each API key may do, space-separated; keys made before scopes existed keep every right they had.
      await db.schema
        .alterTable('api_keys')
        .addColumn('scopes', 'text', (c) => c.notNull().defaultTo('links:read links:write stats:read'))
        .execute();
      // Locked by a demotion or deletion of an admin, so that two of them at once cannot leave no admin.
      await db.insertInto('locks').values({ name: 'admins' }).execute();
    },
  },
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
