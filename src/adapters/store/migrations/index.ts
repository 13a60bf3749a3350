import type { Migration, MigrationProvider } from 'kysely';
import * as core from './0001-core.js';
import * as clickAnalytics from './0002-click-analytics.js';
import * as clickCounts from './0003-click-counts.js';
import * as accountsHardening from './0004-accounts-hardening.js';
import * as domains from './0005-domains.js';
import * as linkPasswords from './0006-link-passwords.js';
import * as linkOptions from './0007-link-options.js';
import * as idempotencyKeys from './0008-idempotency-keys.js';
import * as linkRouting from './0009-link-routing.js';
import * as clickRoutes from './0010-click-routes.js';
import * as importedClicks from './0011-imported-clicks.js';
import * as imports from './0012-imports.js';

/**
 * Schema history, oldest first, one file each. The schema builder emits the same DDL for SQLite and
 * PostgreSQL; `bigint` holds epoch milliseconds on both. A name is what the database records as
 * applied: never rename one, never change what an applied one does; a new change is a new file here.
 */
const migrations: Record<string, Migration> = {
  '0001-core': { up: core.up },
  '0002-click-analytics': { up: clickAnalytics.up },
  '0003-click-counts': { up: clickCounts.up },
  '0004-accounts-hardening': { up: accountsHardening.up },
  '0005-domains': { up: domains.up },
  '0006-link-passwords': { up: linkPasswords.up },
  '0007-link-options': { up: linkOptions.up },
  '0008-idempotency-keys': { up: idempotencyKeys.up },
  '0009-link-routing': { up: linkRouting.up },
  '0010-click-routes': { up: clickRoutes.up },
  '0011-imported-clicks': { up: importedClicks.up },
  '0012-imports': { up: imports.up },
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
