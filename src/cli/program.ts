/**
 * The `kurz` program: its commands (./commands/), help, version and exit codes. run() parses an argv
 * and runs the command, in-process, against the streams and environment it is given, and answers the
 * exit code: 0 done; 1 failed (not found, a conflict, a store that cannot be reached, an interruption);
 * 2 bad usage (an unknown command or option, a missing argument, a bad setting, or a value the use
 * cases refuse as invalid: HTTP's 400 and 422).
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config.js';
import { AppError } from '../domain/errors.js';
import { COMMANDS, type CommandGroup } from './commands/index.js';
import type { CliIo } from './io.js';
import { colourOn } from './output.js';
import { StoreUnreachable } from './session.js';
import { nearestSettingFlag } from './settings.js';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

/** Exit codes scripts can trust. */
export const EXIT = { done: 0, failed: 1, usage: 2 } as const;

/** The flags the program itself answers; any other leading flag is serve's, the default command. */
const ROOT_FLAGS = new Set(['-h', '--help', '-V', '--version']);

const EXAMPLES = `
Examples:
  kurz --port 8080 --database-url sqlite:./data/kurz.db     serve (the default command)
  kurz link create https://example.com/a/long/path --code docs
  kurz link list --tag docs --json | jq .short_url
  kurz user create --email ann@example.com --admin --password-stdin

Every command opens the database DATABASE_URL names (or --database-url). "kurz help <command>" and
"kurz <command> --help" tell more.
`;

/** What the program wrote where: commander's help exits alike whether asked for or shown for a mistake, but only the second goes to stderr. */
interface Written {
  stderr: boolean;
}

/** The program with every command of `groups` (all of Kurz's by default) writing to `io`. */
export function buildProgram(io: CliIo, groups: readonly CommandGroup[] = COMMANDS, written: Written = { stderr: false }): Command {
  const program = new Command('kurz')
    .description('Kurz, a self-hosted URL shortener: the server, and its links, accounts, keys and domains')
    .version(version, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .helpCommand('help [command]', 'show help for a command')
    .showSuggestionAfterError()
    .exitOverride()
    .configureHelp({ sortSubcommands: false })
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => {
        written.stderr = true;
        io.stderr.write(text);
      },
      getOutHelpWidth: () => io.stdout.columns ?? 100,
      getErrHelpWidth: () => io.stderr.columns ?? 100,
      getOutHasColors: () => colourOn(io.stdout, io.env),
      getErrHasColors: () => colourOn(io.stderr, io.env),
      outputError: (text, write) => write(oneLine(text)),
    })
    .addHelpText('after', EXAMPLES);
  for (const group of groups) group(program, io);
  return program;
}

/**
 * Commander's error as one line, "kurz: …", like every other error: its suggestion joins the line, and
 * a mistyped setting flag gets one too.
 */
function oneLine(text: string): string {
  const line = text.replace(/^error: /, '').replace(/\n\(Did you mean (.+)\?\)/, ' (did you mean $1?)');
  const unknown = /^unknown option '(--[^']+)'\n$/.exec(line);
  const setting = unknown && nearestSettingFlag(unknown[1]!.split('=')[0]!);
  return `kurz: ${setting ? line.replace(/\n$/, ` (did you mean ${setting}?)\n`) : line}`;
}

/** Runs `kurz <argv>`; resolves with its exit code (serve and worker resolve once running, and run on until signalled). */
export async function run(argv: readonly string[], io: CliIo, groups?: readonly CommandGroup[]): Promise<number> {
  const written = { stderr: false };
  const program = buildProgram(io, groups, written);
  // `kurz` and `kurz --port 8080 …` serve, as they always did.
  const args = argv.length === 0 || (argv[0]!.startsWith('-') && !ROOT_FLAGS.has(argv[0]!)) ? ['serve', ...argv] : [...argv];
  try {
    await program.parseAsync(args, { from: 'user' });
    return EXIT.done;
  } catch (err) {
    return report(err, io, written);
  }
}

/** Says what went wrong on stderr (commander has said it already for its own errors); the exit code. */
function report(err: unknown, io: CliIo, written: Written): number {
  // Help asked for (`kurz help link`) is done; help shown for a group named alone (`kurz link`) is a usage error.
  if (err instanceof CommanderError && err.code === 'commander.help') return written.stderr ? EXIT.usage : EXIT.done;
  if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.done : EXIT.usage;
  const say = (text: string) => io.stderr.write(`kurz: ${text}\n`);
  if (err instanceof ConfigError) {
    say(err.message);
    return EXIT.usage;
  }
  if (err instanceof AppError) {
    say(err.detail);
    return err.status === 400 || err.status === 422 ? EXIT.usage : EXIT.failed;
  }
  say(err instanceof StoreUnreachable ? err.message : `failed: ${err instanceof Error ? err.message : String(err)}`);
  return EXIT.failed;
}
