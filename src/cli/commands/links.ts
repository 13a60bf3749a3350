/** `kurz link create|list|get|update|delete|stats`: every owner's links, through the same use cases as the API. */
import { Option, type Command } from 'commander';
import type { LinkRecord } from '../../ports.js';
import { linkJson, statsJson } from '../../http/present.js';
import { DEFAULT_DOMAIN_ID } from '../../domain/link-key.js';
import { normalizeHost } from '../../domain/hosts.js';
import { notFound } from '../../domain/errors.js';
import type { RedirectType } from '../../domain/redirect-decision.js';
import { createLink, deleteLink, getLink, listLinks, updateLink, type LinkEdit, type LinkListing } from '../../use-cases/links.js';
import { linkStats } from '../../use-cases/link-stats.js';
import type { CliIo } from '../io.js';
import { collect } from '../pages.js';
import { expiryOf, jsonOption, listArg, readPassword, spanArg, timeArg, when, wholeNumber, withSession } from '../kit.js';
import type { Column, Fields, Output } from '../output.js';
import { OPERATOR, actorOf, oldestAdmin, userByEmail, type CliDeps } from '../session.js';
import { withSettings } from '../settings.js';

const redirectTypeOption = (): Option => new Option('--redirect-type <status>', 'the redirect\'s HTTP status').choices(['301', '302', '307', '308']).argParser((s) => Number(s) as RedirectType);
const domainOption = (what: string): Option => new Option('--domain <host>', what);
const expiryOptions = (command: Command): Command => command
  .option('--expires-in <span>', 'stops redirecting this long from now: 90m, 12h, 30d, 8w', spanArg)
  .option('--expires-at <time>', 'stops redirecting at this time: 2027-01-31 or 2027-01-31T12:00:00Z', timeArg);

/** What `link create` and `link update` share. */
interface LinkOptions {
  code?: string;
  title?: string;
  tag?: string[];
  expiresIn?: number;
  expiresAt?: number;
  maxClicks?: number;
  redirectType?: RedirectType;
  expiredUrl?: string;
  passwordStdin?: boolean;
  json?: boolean;
}

/** A link's reference on the command line: its code (on --domain, or the default domain) or its id. */
async function linkOf(deps: CliDeps, ref: string, host: string | undefined): Promise<LinkRecord> {
  const domain = host === undefined ? deps.domains.byId(DEFAULT_DOMAIN_ID) : deps.domains.byHost(normalizeHost(host));
  const byCode = domain && await deps.store.findLinkByCode(ref, domain.id);
  if (byCode) return byCode;
  const byId = host === undefined ? await deps.store.findLinkById(ref) : undefined;
  if (!byId) throw notFound(host === undefined ? `link ${ref}` : `link ${ref} on ${host}`);
  return byId;
}

export function linkCommands(program: Command, io: CliIo): void {
  const link = program.command('link').description('create, list, show, change, delete links and read their stats');
  const columns = (present: ReturnType<typeof linkJson>): Column<LinkRecord>[] => [
    { header: 'SHORT URL', cell: (l) => present(l).short_url },
    { header: 'URL', cell: (l) => l.url, shrinks: true },
    { header: 'CLICKS', cell: (l) => String(l.clicks + l.importedClicks), align: 'right' },
    { header: 'TAGS', cell: (l) => l.tags.join(','), shrinks: true },
    { header: 'TITLE', cell: (l) => l.title ?? '', shrinks: true },
    { header: 'CREATED', cell: (l) => when(l.createdAt) },
  ];
  const show = (out: Output, present: ReturnType<typeof linkJson>, l: LinkRecord) => {
    const json = present(l);
    const fields: Fields = [
      ['short url', json.short_url], ['url', l.url], ['title', l.title ?? '—'], ['tags', l.tags.join(', ') || '—'],
      ['redirect', String(l.redirectType)], ['expires', when(l.expiresAt)], ['max clicks', l.maxClicks === null ? '—' : String(l.maxClicks)],
      ['clicks', l.importedClicks > 0 ? `${l.clicks} (and ${l.importedClicks} imported)` : String(l.clicks)],
      ['password', l.hasPassword ? 'yes' : 'no'], ['archived', l.archived ? 'yes' : 'no'], ['created', when(l.createdAt)], ['id', l.id],
    ];
    out.item(fields, json);
  };
  const presenter = (deps: CliDeps) => linkJson(deps.config.baseUrl, deps.domains);

  withSettings(expiryOptions(link.command('create')
    .description('shorten a URL')
    .argument('<url>', 'where the short link redirects')
    .option('--code <code>', 'its code (default: a random one, CODE_LENGTH long)')
    .addOption(domainOption('the domain it lives on (default: BASE_URL\'s)'))
    .option('--title <title>', 'its title')
    .option('--tag <tag>', 'a tag, repeatable or comma-separated', listArg))
    .option('--max-clicks <n>', 'stops redirecting after this many clicks', wholeNumber(1, 2_147_483_647))
    .addOption(redirectTypeOption().default(302))
    .option('--expired-url <url>', 'where it redirects once expired or used up')
    .option('--password-stdin', 'protect it with a password read from stdin')
    .option('--owner <email>', 'the account it belongs to (default: the oldest admin)')
    .addOption(jsonOption())
    .addHelpText('after', '\nExamples:\n  kurz link create https://example.com/a/long/path --code docs --tag team,docs\n  kurz link create https://example.com --owner ann@example.com --expires-in 30d --json'))
    .action((url: string, options: LinkOptions & { domain?: string; owner?: string }, command: Command) => withSession(io, command, async (deps, out) => {
      const owner = options.owner === undefined ? await oldestAdmin(deps.store) : actorOf(await userByEmail(deps.store, options.owner, '--owner'));
      const password = options.passwordStdin ? await readPassword(io, true) : undefined;
      const created = await createLink(deps, owner, {
        url, code: options.code, domain: options.domain, title: options.title, tags: options.tag, redirectType: options.redirectType,
        expiresAt: expiryOf(options, deps.clock()), maxClicks: options.maxClicks, expiredUrl: options.expiredUrl, password,
      });
      show(out, presenter(deps), created);
    }));

  withSettings(link.command('list')
    .description('links, newest first: every owner\'s, or --owner\'s')
    .option('--owner <email>', 'only this account\'s links')
    .option('--tag <tag>', 'only links with this tag')
    .option('--search <text>', 'only links whose URL, code or title holds this text')
    .addOption(domainOption('only links on this domain'))
    .addOption(new Option('--archived', 'only archived links (by default they are left out)').conflicts('all'))
    .option('--all', 'archived links too, after the others')
    .addOption(new Option('--limit <n>', 'at most this many links').argParser(wholeNumber(1, 1_000_000)).default(50).conflicts('everyPage'))
    .option('--every-page', 'every link that matches, however many (page after page)')
    .addOption(jsonOption())
    .addHelpText('after', '\nExamples:\n  kurz link list --tag docs --search example\n  kurz link list --owner ann@example.com --every-page --json > links.jsonl'))
    .action((options: { owner?: string; tag?: string; search?: string; domain?: string; archived?: boolean; all?: boolean; limit: number; everyPage?: boolean; json?: boolean }, command: Command) =>
      withSession(io, command, async (deps, out) => {
        const owner = options.owner === undefined ? 'all' as const : { id: (await userByEmail(deps.store, options.owner, '--owner')).id };
        const wanted = options.everyPage ? Infinity : options.limit;
        const states = options.all ? [false, true] : [options.archived === true];
        const links: LinkRecord[] = [];
        let more = false;
        for (const archived of states) {
          const listing: LinkListing = { limit: 0, owner, tag: options.tag, q: options.search, domain: options.domain, archived };
          const found = await collect((limit, cursor) => listLinks(deps, OPERATOR, { ...listing, limit, cursor }), wanted - links.length);
          links.push(...found.rows);
          more = found.more;
        }
        const present = presenter(deps);
        out.list(links, columns(present), present);
        if (more) out.note(`showing the first ${wanted}; --limit N or --every-page shows more`);
      }));

  withSettings(link.command('get')
    .description('one link, by its code (on --domain) or its id')
    .argument('<code-or-id>', 'the link\'s code or id')
    .addOption(domainOption('the domain its code is on (default: BASE_URL\'s)'))
    .addOption(jsonOption()))
    .action((ref: string, options: { domain?: string }, command: Command) => withSession(io, command, async (deps, out) => {
      show(out, presenter(deps), await getLink(deps, OPERATOR, (await linkOf(deps, ref, options.domain)).id));
    }));

  withSettings(expiryOptions(link.command('update')
    .description('change a link: only the fields named change')
    .argument('<code-or-id>', 'the link\'s code or id')
    .addOption(domainOption('the domain its code is on (default: BASE_URL\'s)'))
    .option('--url <url>', 'a new target')
    .option('--code <code>', 'a new code')
    .option('--move-to <host>', 'put it on another domain')
    .option('--title <title>', 'a new title')
    .option('--no-title', 'remove the title')
    .option('--tag <tag>', 'its tags, replacing the old ones; repeatable or comma-separated', listArg)
    .option('--no-tags', 'remove every tag'))
    .option('--no-expiry', 'never expire')
    .option('--max-clicks <n>', 'stops redirecting after this many clicks', wholeNumber(1, 2_147_483_647))
    .option('--no-max-clicks', 'no click limit')
    .addOption(redirectTypeOption())
    .option('--expired-url <url>', 'where it redirects once expired or used up')
    .option('--password-stdin', 'a new password, read from stdin')
    .option('--no-password', 'remove the password')
    .addOption(new Option('--archive', 'archive it (it still redirects)').conflicts('unarchive'))
    .option('--unarchive', 'take it out of the archive')
    .addOption(jsonOption())
    .addHelpText('after', '\nExample:\n  kurz link update docs --url https://example.com/new --tag docs,v2 --expires-in 90d'))
    .action((ref: string, options: Omit<LinkOptions, 'title' | 'tag' | 'maxClicks'> & {
      domain?: string; url?: string; moveTo?: string; title?: string | false; tag?: string[]; tags?: false; expiry?: false;
      maxClicks?: number | false; password?: false; archive?: boolean; unarchive?: boolean;
    }, command: Command) => withSession(io, command, async (deps, out) => {
      const before = await linkOf(deps, ref, options.domain);
      const expiry = options.expiry === false ? null : expiryOf(options, deps.clock());
      const edit: LinkEdit = {
        url: options.url,
        code: options.code,
        domain: options.moveTo,
        title: options.title === false ? null : options.title,
        tags: options.tags === false ? [] : options.tag,
        expiresAt: expiry,
        maxClicks: options.maxClicks === false ? null : options.maxClicks,
        redirectType: options.redirectType,
        expiredUrl: options.expiredUrl,
        password: options.password === false ? null : options.passwordStdin ? await readPassword(io, true) : undefined,
        archived: options.archive ? true : options.unarchive ? false : undefined,
      };
      show(out, presenter(deps), await updateLink(deps, OPERATOR, before.id, edit));
    }));

  withSettings(link.command('delete')
    .description('delete a link and its stats')
    .argument('<code-or-id>', 'the link\'s code or id')
    .addOption(domainOption('the domain its code is on (default: BASE_URL\'s)')))
    .action((ref: string, options: { domain?: string }, command: Command) => withSession(io, command, async (deps, out) => {
      const target = await linkOf(deps, ref, options.domain);
      await deleteLink(deps, OPERATOR, target.id);
      out.note(`deleted ${presenter(deps)(target).short_url}`);
    }));

  withSettings(link.command('stats')
    .description('a link\'s clicks: the total, over time, and by referrer, country, browser, OS, device, destination and rule')
    .argument('<code-or-id>', 'the link\'s code or id')
    .addOption(domainOption('the domain its code is on (default: BASE_URL\'s)'))
    .option('--from <time>', 'from this time (default: 7 days before --to)', timeArg)
    .option('--to <time>', 'until this time (default: now)', timeArg)
    .addOption(new Option('--interval <unit>', 'the series\' step').choices(['hour', 'day']).default('day'))
    .option('--bots', 'count bots too')
    .addOption(jsonOption()))
    .action((ref: string, options: { domain?: string; from?: number; to?: number; interval: 'hour' | 'day'; bots?: boolean }, command: Command) =>
      withSession(io, command, async (deps, out) => {
        const target = await linkOf(deps, ref, options.domain);
        const stats = await linkStats(deps, OPERATOR, target.id, { from: options.from, to: options.to, interval: options.interval, includeBots: options.bots === true });
        if (out.json) return out.item([], { link: presenter(deps)(target).short_url, clicks: target.clicks, imported_clicks: target.importedClicks, ...statsJson(stats) });
        out.item([
          ['link', presenter(deps)(target).short_url],
          ['clicks, all time', String(target.clicks)],
          ...(target.importedClicks > 0 ? [['imported clicks', String(target.importedClicks)] as const] : []),
          [`clicks, ${when(stats.series[0]?.t ?? null)} on`, String(stats.total)],
        ], null);
        const counted = <R>(title: string, rows: R[], label: (r: R) => string, clicks: (r: R) => number) => {
          if (rows.length === 0) return;
          out.line('');
          out.list(rows, [{ header: title, cell: label, shrinks: true }, { header: 'CLICKS', cell: (r) => String(clicks(r)), align: 'right' }], () => null);
        };
        counted(options.interval === 'day' ? 'DAY' : 'HOUR', stats.series, (p) => when(p.t), (p) => p.clicks);
        const names = { referrer: 'REFERRER', country: 'COUNTRY', browser: 'BROWSER', os: 'OS', device: 'DEVICE' } as const;
        for (const [dimension, title] of Object.entries(names) as [keyof typeof names, string][]) {
          counted(title, stats.breakdown[dimension], (r) => r.value || '(none)', (r) => r.clicks);
        }
        counted('DESTINATION', stats.destinations, (r) => r.url, (r) => r.clicks);
        counted('RULE', stats.rules, (r) => (r.rule === null ? '(none matched)' : `#${r.rule + 1}`), (r) => r.clicks);
      }));
}
