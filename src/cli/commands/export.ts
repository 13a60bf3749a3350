/** `kurz export`: every link (or an owner's) as the CSV `kurz import --from csv` reads back, or as JSON. */
import { createWriteStream, WriteStream } from 'node:fs';
import { once, type EventEmitter } from 'node:events';
import { Option, type Command } from 'commander';
import { linkJson } from '../../http/present.js';
import { EXPORT_FORMATS, exportChunks, type ExportFormat } from '../../use-cases/export-links.js';
import type { CliIo } from '../io.js';
import { withSession } from '../kit.js';
import { OPERATOR, userByEmail } from '../session.js';
import { withSettings } from '../settings.js';

export function exportCommand(program: Command, io: CliIo): void {
  withSettings(program.command('export')
    .description('write every link (or one owner\'s) as CSV or JSON')
    .addOption(new Option('--format <format>', 'CSV reads back with kurz import --from csv; JSON is the API\'s links').choices(EXPORT_FORMATS).default('csv'))
    .option('--owner <email>', 'only this account\'s links (default: every owner\'s)')
    .option('--output <file>', 'write to this file (default: stdout)')
    .addHelpText('after', '\nExamples:\n  kurz export > links.csv\n  kurz export --format json --owner ann@example.com --output ann.json'))
    .action((options: { format: ExportFormat; owner?: string; output?: string }, command: Command) => withSession(io, command, async (deps) => {
      const owner = options.owner === undefined ? 'all' as const : { id: (await userByEmail(deps.store, options.owner, '--owner')).id };
      const chunks = exportChunks(deps, OPERATOR, { owner }, options.format, linkJson(deps.config.baseUrl, deps.domains));
      // Written as fast as the reader takes it: a pipe or a file that is slower holds the export back.
      const sink = options.output === undefined ? io.stdout : createWriteStream(options.output);
      for await (const chunk of chunks) if (sink.write(chunk) === false) await once(sink as EventEmitter, 'drain');
      if (sink instanceof WriteStream) {
        sink.end();
        await once(sink, 'finish');
      }
    }));
}
