/**
 * The stores every contract and HTTP suite runs against: SQLite (a temp file) and PostgreSQL (a fresh
 * database per suite on the local server). PostgreSQL is required: if it cannot be reached, the suite
 * fails rather than skipping, so a green run always means both dialects passed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { pino } from 'pino';
import { parseDatabase, type Database } from '../../src/config.js';
import { createStore } from '../../src/compose.js';
import type { KyselyStore } from '../../src/adapters/store/index.js';

export const PG_ADMIN_URL = process.env.KURZ_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  name: 'sqlite' | 'postgres';
  database: Database;
  /** Removes the file or drops the database. Close every store on it first. */
  drop(): Promise<void>;
}

export const DIALECTS = ['sqlite', 'postgres'] as const;

export async function createTestDatabase(name: TestDatabase['name']): Promise<TestDatabase> {
  if (name === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'kurz-test-'));
    return { name, database: parseDatabase({ DATABASE_URL: `sqlite:${join(dir, 'kurz.db')}` }), drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const dbName = `kurz_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(`create database ${dbName}`);
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${dbName}`;
  return {
    name,
    database: parseDatabase({ DATABASE_URL: url.href }),
    drop: () => adminQuery(`drop database if exists ${dbName} with (force)`),
  };
}

/** A migrated store on a fresh database; close() closes it (if still open) and drops the database. */
export async function createTestStore(name: TestDatabase['name']): Promise<{ store: KyselyStore; close(): Promise<void> }> {
  const db = await createTestDatabase(name);
  const { store, close } = await openTestStore(db);
  return {
    store,
    async close() {
      await close();
      await db.drop();
    },
  };
}

/** Another migrated store on an existing test database (a second instance of the service); close() is idempotent. */
export async function openTestStore(db: TestDatabase): Promise<{ store: KyselyStore; close(): Promise<void> }> {
  const store = createStore(db.database, testLog());
  await store.migrate();
  let closed = false;
  const close = store.close.bind(store);
  store.close = async () => {
    if (!closed) await close();
    closed = true;
  };
  return { store, close: () => store.close() };
}

/** A store on `url` (not migrated) with the settings' defaults, or `env`'s (DATABASE_TIMEOUT_MS …). */
export function storeAt(url: string, env: Record<string, string> = {}): KyselyStore {
  return createStore(parseDatabase({ DATABASE_URL: url, ...env }), testLog());
}

/** Silent unless KURZ_TEST_LOG names a level. */
const testLog = () => pino({ level: process.env.KURZ_TEST_LOG ?? 'silent' });

async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(`PostgreSQL is required for the tests and is not reachable at ${PG_ADMIN_URL}: ${(err as Error).message}`);
  }
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** A fresh database named `<prefix>_<random>` on the shared PostgreSQL (PG_ADMIN_URL), dropped when the test ends; its URL. */
export async function scratchDatabase(t: { after(fn: () => Promise<void>): void }, prefix: string): Promise<string> {
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  const admin = async (text: string) => {
    const client = new pg.Client({ connectionString: PG_ADMIN_URL });
    await client.connect();
    try {
      await client.query(text);
    } finally {
      await client.end();
    }
  };
  await admin(`create database ${name}`);
  t.after(() => admin(`drop database if exists ${name} with (force)`));
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return url.href;
}
