import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigError, type Config } from './config.js';
import type { Store } from './ports.js';
import { createSqliteStore } from './adapters/store/sqlite.js';
import { createPostgresStore } from './adapters/store/postgres.js';
import { randomCode } from './domain/codes.js';
import { AccessTokens } from './security/access-tokens.js';
import { newSecret } from './security/secrets.js';
import type { Context } from './use-cases/context.js';

/**
 * The composition root: the one place that reads the configuration to choose adapters.
 * Opens the store and brings its schema up to date; a failure names DATABASE_URL (never its value,
 * which may hold a password).
 */
export async function openStore(config: Readonly<Config>): Promise<Store> {
  let store: Store | undefined;
  try {
    store = config.database.kind === 'sqlite'
      ? createSqliteStore(config.database.file)
      : createPostgresStore(config.database.url);
    await store.migrate();
    return store;
  } catch (err) {
    await store?.close().catch(() => {});
    throw new ConfigError('DATABASE_URL', `could not be opened and migrated: ${(err as Error).message}`);
  }
}

/** Opens the store and wires the use-case context. */
export async function compose(config: Readonly<Config>): Promise<Context> {
  const store = await openStore(config);
  return {
    config,
    store,
    tokens: new AccessTokens(config.jwtSecret ?? localJwtSecret(config), config.accessTokenTtlSeconds),
    urlPolicy: { ownHost: new URL(config.baseUrl).host.toLowerCase(), blockedDomains: config.blockedDomains },
    clock: Date.now,
    randomCode: () => randomCode(config.codeLength),
  };
}

/**
 * On the embedded default no JWT_SECRET is needed: one is generated on first start and kept beside
 * the database (mode 0600), so tokens survive restarts. The 'wx' flag makes concurrent first starts
 * agree on one secret.
 */
function localJwtSecret(config: Readonly<Config>): string {
  if (config.database.kind !== 'sqlite' || config.database.file === ':memory:') return newSecret();
  const file = join(dirname(config.database.file), 'jwt-secret');
  mkdirSync(dirname(file), { recursive: true });
  try {
    writeFileSync(file, newSecret(48), { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return readFileSync(file, 'utf8').trim();
}
