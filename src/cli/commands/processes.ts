/** The long-running processes (`serve`, the default; `worker`) and `migrate`. */
import cluster from 'node:cluster';
import type { Command } from 'commander';
import { serve } from '../../server.js';
import { runPrimary } from '../../cluster.js';
import { work } from '../../worker.js';
import { openStore } from '../../compose.js';
import type { CliIo } from '../io.js';
import { outputOf } from '../kit.js';
import { configOf, withSettings } from '../settings.js';
import { StoreUnreachable } from '../session.js';

export function processCommands(program: Command, io: CliIo): void {
  withSettings(program.command('serve')
    .description('run the HTTP server until SIGTERM or Ctrl-C (the default: `kurz` alone serves)')
    .addHelpText('after', '\nExamples:\n  kurz serve --port 8080 --database-url sqlite:./data/kurz.db\n  kurz --workers 4 --redis-url redis://127.0.0.1:6379'))
    .action(async (_options, command: Command) => {
      const config = configOf(command, io, outputOf(io, command));
      // Resolves once listening; signals end it (server.ts, cluster.ts).
      await (config.workers > 1 && cluster.isPrimary ? runPrimary(config) : serve(config));
    });

  withSettings(program.command('worker')
    .description('consume the click stream into the stats until SIGTERM (needs REDIS_URL)'))
    .action(async (_options, command: Command) => {
      await work(configOf(command, io, outputOf(io, command)));
    });

  withSettings(program.command('migrate')
    .description('bring the database\'s schema up to date (serve does it too when it starts)'))
    .action(async (_options, command: Command) => {
      const config = configOf(command, io, outputOf(io, command));
      try {
        await (await openStore(config)).close();
      } catch (err) {
        throw new StoreUnreachable((err as Error).message);
      }
      io.stdout.write('migrations are up to date\n');
    });
}
