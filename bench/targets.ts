/**
 * What the benchmark scenarios run against, each with its own cleanup: a fresh build of dist/, a
 * throwaway PostgreSQL database, a Redis key prefix of its own. Everything is local (trust auth on
 * PostgreSQL, no password on Redis), as on the benchmark machine.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { Redis } from 'ioredis';
import { repoRoot } from '../test/e2e/process-helpers.js';

export const POSTGRES = 'postgres://postgres@127.0.0.1:5432';
export const REDIS_URL = 'redis://127.0.0.1:6379';
/** Any 32+ characters: PostgreSQL deployments must set one (every instance shares it). */
export const JWT_SECRET = 'kurz-bench-secret-0123456789abcdef';

/**
 * Compiles src/ to dist/ (incremental) so the servers run today's code as it ships. tsc emits even when
 * it reports type errors, so those are shown as a warning rather than stopping the run; only a missing
 * emit stops it.
 */
export async function build(): Promise<void> {
  if (builtIsFresh()) return;
  const tsc = spawn(join(repoRoot, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.build.json'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  tsc.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  tsc.stderr.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const code = await new Promise<number | null>((resolve, reject) => tsc.once('error', reject).once('close', resolve));
  if (code === 0) return;
  if (code === 2 && /error TS/.test(out)) {
    console.error(`warning: tsc reported errors; benchmarking what it emitted anyway:\n${out.trim()}`);
    return;
  }
  throw new Error(`tsc -p tsconfig.build.json failed (exit ${code}):\n${out}`);
}

/**
 * Whether dist/ was built after every file under src/ and the tsconfig files last changed (tsc's own
 * incremental check, which the build would run, costs about 3 s of CPU even when nothing changed).
 */
function builtIsFresh(): boolean {
  let info;
  try {
    info = statSync(join(repoRoot, 'dist', '.tsbuildinfo')).mtimeMs;
  } catch {
    return false;
  }
  const inputs = ['tsconfig.json', 'tsconfig.build.json'].map((f) => join(repoRoot, f));
  const newer = (path: string): boolean => {
    const stat = statSync(path);
    if (!stat.isDirectory()) return stat.mtimeMs > info;
    // A directory changes when a file is added, renamed or removed in it.
    return stat.mtimeMs > info || readdirSync(path).some((name) => newer(join(path, name)));
  };
  return ![join(repoRoot, 'src'), ...inputs].some(newer);
}

/** A new, empty database `kurz_bench_<random>`; `drop` removes it even if a server still holds connections. */
export async function freshPostgres(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `kurz_bench_${randomBytes(4).toString('hex')}`;
  await admin((client) => client.query(`CREATE DATABASE ${name}`));
  return { url: `${POSTGRES}/${name}`, drop: () => admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)) };
}

/**
 * VACUUM (ANALYZE) after a bulk seed: otherwise autovacuum picks the fresh rows up a little later, in
 * the middle of a measured row, and the planner has no statistics yet; a live table has both done.
 */
export async function settlePostgres(url: string): Promise<void> {
  await admin((client) => client.query('VACUUM (ANALYZE)'), url);
}

async function admin(run: (client: pg.Client) => Promise<unknown>, url = `${POSTGRES}/postgres`): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await run(client);
  } finally {
    await client.end();
  }
}

/** A REDIS_PREFIX no other run uses, and `clear`, which deletes every key under it. */
export function redisPrefix(): { prefix: string; clear: () => Promise<number> } {
  const prefix = `kurz-bench-${randomBytes(4).toString('hex')}:`;
  const clear = async () => {
    const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    let deleted = 0;
    try {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
        if (keys.length) deleted += await redis.del(...keys);
        cursor = next;
      } while (cursor !== '0');
    } finally {
      redis.disconnect();
    }
    return deleted;
  };
  return { prefix, clear };
}

/**
 * Every click the store has counted: the sum of links.clicks (src/adapters/store/clicks.ts adds each
 * applied click there), read from the SQLite file (read-only) or the PostgreSQL database.
 */
export async function storedClicks(database: string): Promise<number> {
  if (!database.startsWith('postgres')) {
    const db = new Database(database, { readonly: true, fileMustExist: true });
    try {
      return Number((db.prepare('SELECT COALESCE(SUM(clicks), 0) AS n FROM links').get() as { n: number }).n);
    } finally {
      db.close();
    }
  }
  let n = 0;
  await admin(async (client) => {
    n = Number((await client.query<{ n: string }>('SELECT COALESCE(SUM(clicks), 0) AS n FROM links')).rows[0]!.n);
  }, database);
  return n;
}
