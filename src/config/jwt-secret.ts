import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { newSecret } from '../security/secrets.js';
import { ConfigError } from './config-error.js';
import type { LoadedConfig } from './load.js';
import type { Database } from './settings.js';

/** The config every process runs on: the JWT secret is settled. */
export type Config = Omit<LoadedConfig, 'jwtSecret'> & {
  /** HS256 key of access tokens: JWT_SECRET, or on SQLite the one kept beside the database. */
  readonly jwtSecret: string;
};

/**
 * Settles the JWT secret, once per process, before anything is built (main calls it; `--workers N`
 * hands the primary's to its workers as JWT_SECRET). On the embedded default no JWT_SECRET is needed:
 * one is generated on first start and kept beside the database (mode 0600), so tokens survive restarts.
 */
export function resolveConfig(config: Readonly<LoadedConfig>): Readonly<Config> {
  return Object.freeze({ ...config, jwtSecret: config.jwtSecret ?? localJwtSecret(config.database) });
}

/** loadConfig makes PostgreSQL require JWT_SECRET, so only SQLite gets here. The 'wx' flag makes concurrent first starts agree on one secret. */
function localJwtSecret(database: Database): string {
  if (database.kind !== 'sqlite' || database.file === ':memory:') return newSecret();
  const file = join(dirname(database.file), 'jwt-secret');
  try {
    mkdirSync(dirname(file), { recursive: true });
    try {
      writeFileSync(file, newSecret(48), { flag: 'wx', mode: 0o600 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    return readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new ConfigError('JWT_SECRET', `is unset, and the one kept in ${file} could not be read or created (${(err as Error).message})`);
  }
}
