/** `kurz key create|list|revoke`: an account's API keys. */
import { Option, type Command } from 'commander';
import type { ApiKeyRecord } from '../../ports.js';
import { apiKeyJson } from '../../http/present.js';
import { SCOPES, type Scope } from '../../domain/scopes.js';
import { invalid } from '../../domain/errors.js';
import { createApiKey, getApiKey, listApiKeys, revokeApiKey } from '../../use-cases/api-keys.js';
import type { CliIo } from '../io.js';
import { expiryOf, jsonOption, listArg, spanArg, timeArg, when, withSession } from '../kit.js';
import type { Column } from '../output.js';
import { actorOf, userByEmail } from '../session.js';
import { withSettings } from '../settings.js';

const COLUMNS: Column<ApiKeyRecord>[] = [
  { header: 'NAME', cell: (k) => k.name, shrinks: true },
  { header: 'PREFIX', cell: (k) => `kz_${k.prefix}_…` },
  { header: 'SCOPES', cell: (k) => k.scopes.join(',') },
  { header: 'CREATED', cell: (k) => when(k.createdAt) },
  { header: 'EXPIRES', cell: (k) => when(k.expiresAt) },
  { header: 'ID', cell: (k) => k.id },
];

const userOption = (): Option => new Option('--user <email>', 'the account the keys belong to').makeOptionMandatory();

/** Scopes named on the command line, each checked against the list (domain/scopes.ts). */
function scopesOf(named: string[] | undefined): Scope[] | undefined {
  if (named === undefined) return undefined;
  const unknown = named.filter((s) => !(SCOPES as readonly string[]).includes(s));
  if (unknown.length > 0) throw invalid('--scope', `${unknown.join(', ')} is not a scope (the scopes: ${SCOPES.join(', ')})`);
  return named as Scope[];
}

export function keyCommands(program: Command, io: CliIo): void {
  const key = program.command('key').description('create, list and revoke API keys');

  withSettings(key.command('create')
    .description('create an API key; it is printed once, and can never be shown again')
    .addOption(userOption())
    .requiredOption('--name <name>', 'what the key is for')
    .option('--scope <scope>', `what it may do, repeatable or comma-separated: ${SCOPES.join(', ')} (default: all)`, listArg)
    .option('--expires-in <span>', 'expires this long from now: 90m, 12h, 30d, 8w', spanArg)
    .option('--expires-at <time>', 'expires at this time: 2027-01-31 or 2027-01-31T12:00:00Z', timeArg)
    .addOption(jsonOption())
    .addHelpText('after', '\nExample:\n  kurz key create --user ann@example.com --name ci --scope links:read,links:write --expires-in 90d'))
    .action((options: { user: string; name: string; scope?: string[]; expiresIn?: number; expiresAt?: number }, command: Command) =>
      withSession(io, command, async (deps, out) => {
        const owner = actorOf(await userByEmail(deps.store, options.user, '--user'));
        const scopes = scopesOf(options.scope);
        const created = await createApiKey(deps, owner, { name: options.name, scopes, expiresAt: expiryOf(options, deps.clock()) ?? null });
        out.item([['key', created.key], ['name', created.name], ['scopes', created.scopes.join(',')], ['expires', when(created.expiresAt)], ['id', created.id]], { ...apiKeyJson(created), key: created.key });
        out.note('this is the only time the key is shown: store it now');
      }));

  withSettings(key.command('list')
    .description('an account\'s live keys (never the keys themselves: only their prefixes)')
    .addOption(userOption())
    .addOption(jsonOption()))
    .action((options: { user: string }, command: Command) => withSession(io, command, async (deps, out) => {
      const owner = actorOf(await userByEmail(deps.store, options.user, '--user'));
      out.list(await listApiKeys(deps, owner), COLUMNS, apiKeyJson);
    }));

  withSettings(key.command('revoke')
    .description('revoke a key at once')
    .argument('<id>', 'the key\'s id (kurz key list shows it)')
    .addOption(userOption()))
    .action((id: string, options: { user: string }, command: Command) => withSession(io, command, async (deps, out) => {
      const owner = actorOf(await userByEmail(deps.store, options.user, '--user'));
      const revoked = await getApiKey(deps, owner, id);
      await revokeApiKey(deps, owner, id);
      out.note(`revoked the key ${revoked.name} (kz_${revoked.prefix}_…)`);
    }));
}
