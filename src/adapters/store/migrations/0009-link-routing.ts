import type { Kysely } from 'kysely';

/**
 * A link's routing rules, A/B split and Open Graph fields (issue 16): JSON text, null when the link has
 * none, which is what almost every link has (so the redirect of those reads and parses nothing more).
 * Text, not jsonb: no query looks inside them, and one type keeps the two stores the same.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('links').addColumn('rules', 'text').execute();
  await db.schema.alterTable('links').addColumn('destinations', 'text').execute();
  await db.schema.alterTable('links').addColumn('og', 'text').execute();
}
