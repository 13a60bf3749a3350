/** `kurz seed`: generated links for benchmarks and trials, with progress, stopped cleanly by Ctrl-C. */
import type { Command } from 'commander';
import { UniqueViolation } from '../../ports.js';
import { invalid } from '../../domain/errors.js';
import { seedLinks } from '../../seed.js';
import type { CliIo } from '../io.js';
import { jsonOption, wholeNumber, withSession } from '../kit.js';
import { Progress } from '../progress.js';
import { userByEmail } from '../session.js';
import { withSettings } from '../settings.js';

const PREFIX = /^[A-Za-z0-9_-]{1,40}$/;

export function seedCommand(program: Command, io: CliIo): void {
  withSettings(program.command('seed')
    .description('add N generated links, for benchmarks and trials')
    .requiredOption('--links <n>', 'how many', wholeNumber(1, 100_000_000))
    .requiredOption('--owner <email>', 'the existing account they belong to')
    .option('--prefix <prefix>', 'codes are the prefix and 7 base-36 digits; a new prefix for each seed', 's')
    .addOption(jsonOption())
    .addHelpText('after', '\nThe links go to https://example.com/<code>. Ctrl-C stops between two batches of 10,000\nlinks: the batches written stay, whole.\n\nExample:\n  kurz seed --links 1000000 --owner ann@example.com --prefix trial'))
    .action((options: { links: number; owner: string; prefix: string }, command: Command) => withSession(io, command, async (deps, out) => {
      if (!PREFIX.test(options.prefix)) throw invalid('--prefix', 'must be 1 to 40 characters of A-Z, a-z, 0-9, "_" or "-"');
      const owner = await userByEmail(deps.store, options.owner, '--owner');
      const progress = new Progress(io.stderr, 'links', options.links);
      const interruption = io.interruptible();
      const started = Date.now();
      let codes: string[];
      try {
        codes = await seedLinks(deps.store, owner.id, options.links, { prefix: options.prefix, signal: interruption.signal, onBatch: (n) => progress.advance(n) });
      } catch (err) {
        if (err instanceof UniqueViolation) throw invalid('--prefix', `"${options.prefix}" was seeded before: its codes are taken (choose another prefix)`);
        throw err;
      } finally {
        interruption.release();
        progress.end();
      }
      const seconds = (Date.now() - started) / 1000;
      const stopped = codes.length < options.links;
      out.item([['links', String(codes.length)], ['prefix', options.prefix], ['seconds', seconds.toFixed(1)]], { links: codes.length, prefix: options.prefix, seconds, ...(stopped ? { interrupted: true } : {}) });
      // Not all that was asked was done: exit 1.
      if (stopped) throw new Error(`interrupted: ${codes.length} of ${options.links} links were written, in whole batches`);
    }));
}

