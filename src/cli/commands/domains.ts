/** `kurz domain add|list|remove`: the host names short links may live on besides BASE_URL's. */
import type { Command } from 'commander';
import type { DomainRecord } from '../../ports.js';
import { domainJson } from '../../http/present.js';
import { normalizeHost } from '../../domain/hosts.js';
import { notFound } from '../../domain/errors.js';
import { DEFAULT_DOMAIN_ID } from '../../domain/link-key.js';
import { createDomain, deleteDomain, listDomains } from '../../use-cases/domains.js';
import type { CliIo } from '../io.js';
import { jsonOption, when, withSession } from '../kit.js';
import type { Column, Fields } from '../output.js';
import { collect } from '../pages.js';
import { OPERATOR, userByEmail } from '../session.js';
import { withSettings } from '../settings.js';

const COLUMNS: Column<DomainRecord>[] = [
  { header: 'HOSTNAME', cell: (d) => (d.id === DEFAULT_DOMAIN_ID ? `${d.hostname} (default)` : d.hostname) },
  { header: 'ROOT REDIRECT', cell: (d) => d.rootRedirect ?? '', shrinks: true },
  { header: 'NOT FOUND REDIRECT', cell: (d) => d.notFoundRedirect ?? '', shrinks: true },
  { header: 'CREATED', cell: (d) => (d.id === DEFAULT_DOMAIN_ID ? '' : when(d.createdAt)) },
];

export function domainCommands(program: Command, io: CliIo): void {
  const domain = program.command('domain').description('add, list and remove domains for short links');

  withSettings(domain.command('add')
    .description('add a domain (point its DNS at Kurz first)')
    .argument('<hostname>', 'its host name, such as go.example.com')
    .option('--root-redirect <url>', 'where its bare root (https://host/) redirects')
    .option('--not-found-redirect <url>', 'where its unknown codes redirect (instead of a 404)')
    .option('--owner <email>', 'the one account that may put links on it besides admins (default: shared)')
    .addOption(jsonOption())
    .addHelpText('after', '\nExample:\n  kurz domain add go.example.com --root-redirect https://example.com'))
    .action((hostname: string, options: { rootRedirect?: string; notFoundRedirect?: string; owner?: string }, command: Command) =>
      withSession(io, command, async (deps, out) => {
        const ownerId = options.owner === undefined ? null : (await userByEmail(deps.store, options.owner, '--owner')).id;
        const added = await createDomain(deps, OPERATOR, { hostname, rootRedirect: options.rootRedirect, notFoundRedirect: options.notFoundRedirect, ownerId });
        const fields: Fields = [['hostname', added.hostname], ['root redirect', added.rootRedirect ?? '—'], ['not found redirect', added.notFoundRedirect ?? '—'], ['id', added.id]];
        out.item(fields, domainJson(added));
      }));

  withSettings(domain.command('list')
    .description('every domain, newest first; BASE_URL\'s, the default, last')
    .addOption(jsonOption()))
    .action((_options, command: Command) => withSession(io, command, async (deps, out) => {
      out.list((await collect((limit, cursor) => listDomains(deps, OPERATOR, { limit, cursor }))).rows, COLUMNS, domainJson);
    }));

  withSettings(domain.command('remove')
    .description('remove a domain that has no links left')
    .argument('<hostname>', 'its host name'))
    .action((hostname: string, _options, command: Command) => withSession(io, command, async (deps, out) => {
      const known = deps.domains.byHost(normalizeHost(hostname));
      if (!known) throw notFound(`domain ${hostname}`);
      await deleteDomain(deps, OPERATOR, known.id);
      out.note(`removed ${known.hostname}`);
    }));
}
