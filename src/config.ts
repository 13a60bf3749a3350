/**
 * Every setting of Kurz: one table (src/config/settings.ts) from which the config object and its type,
 * the `kurz serve --flags` and README's configuration table come. This module is what the rest imports.
 */
import { SETTINGS_TABLE } from './config/settings.js';

export { ConfigError } from './config/config-error.js';
export { SETTINGS_TABLE, type Database, type LogLevel, type PostgresPool, type ReadReplica, type SqliteSynchronous } from './config/settings.js';
export { SETTINGS, flagsToEnv, loadConfig, parseDatabase, readConfig, type ConfigWarning, type LoadedConfig } from './config/load.js';
export { resolveConfig, type Config } from './config/jwt-secret.js';

/** The classes of rate limits, each with its own bucket per client and its own setting. */
export type RateClass = keyof typeof SETTINGS_TABLE.rateLimits;

/** Each rate class's setting and default. */
export const RATE_CLASSES = Object.fromEntries(
  Object.entries(SETTINGS_TABLE.rateLimits).map(([klass, { row }]) => [klass, { setting: row.name, fallback: row.default! }]),
) as Readonly<Record<RateClass, { setting: string; fallback: string }>>;
