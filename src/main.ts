#!/usr/bin/env node
/**
 * The kurz command.
 *   kurz [serve] [--port 8080 --database-url … and every other setting as a flag]
 *   kurz worker [--redis-url … --database-url …]   (consumes the click stream)
 *   kurz migrate [--database-url …]
 *   kurz user create --email a@b.c [--name "Ann"] [--admin]   (password from KURZ_PASSWORD or stdin)
 */
import { ConfigError, flagsToEnv, loadConfig, type Config } from './config.js';
import { serve } from './server.js';
import { work } from './worker.js';
import { compose, openStore } from './compose.js';
import { createAccount } from './use-cases/users.js';
import { AppError } from './domain/errors.js';

const USAGE = `usage: kurz [serve] [--setting value …] | kurz worker [--setting value …] | kurz migrate [--database-url …] | kurz user create --email E [--name N] [--admin]`;

async function main(argv: string[]): Promise<void> {
  const [command = 'serve', ...rest] = argv[0]?.startsWith('--') ? ['serve', ...argv] : argv;
  switch (command) {
    case 'serve':
      return serve(config(rest));
    case 'worker':
      return work(config(rest));
    case 'migrate': {
      await (await openStore(config(rest))).close();
      console.log('migrations are up to date');
      return;
    }
    case 'user':
      return userCommand(rest);
    case 'help':
    case '--help':
      console.log(USAGE);
      return;
    default:
      throw new ConfigError(command, `is not a command. ${USAGE}`);
  }
}

function config(flags: string[]): Readonly<Config> {
  return loadConfig({ ...process.env, ...flagsToEnv(flags) });
}

async function userCommand(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  if (sub !== 'create') throw new ConfigError(`user ${sub ?? ''}`.trim(), `is not a command. ${USAGE}`);
  // --email, --name and --admin describe the account; every other flag is a setting (--database-url …).
  const opts: Record<string, string | true> = {};
  const settings: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i]!;
    if (flag === '--admin') opts.admin = true;
    else if (flag === '--email' || flag === '--name') opts[flag.slice(2)] = rest[++i] ?? '';
    else settings.push(flag);
  }
  const cfg = config(settings);
  if (typeof opts.email !== 'string') throw new ConfigError('--email', 'is required');
  if (!/^[^@\s]+@[^@\s]+$/.test(opts.email)) throw new ConfigError('--email', 'is not an email address');
  const password = process.env.KURZ_PASSWORD ?? (await readStdin()).trim();
  if (password.length < 8 || password.length > 256) throw new ConfigError('password', 'must be 8 to 256 characters');
  const ctx = await compose(cfg);
  try {
    const name = typeof opts.name === 'string' ? opts.name : null;
    const user = await createAccount(ctx, { email: opts.email, password, name, role: opts.admin ? 'admin' : undefined });
    console.log(JSON.stringify({ id: user.id, email: user.email, role: user.role }));
  } finally {
    await ctx.store.close();
  }
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) throw new ConfigError('KURZ_PASSWORD', 'is required (or pipe the password on stdin)');
  let data = '';
  for await (const chunk of process.stdin) data += chunk;
  return data;
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof ConfigError) console.error(`kurz: ${err.message}`);
  else if (err instanceof AppError) console.error(`kurz: ${err.detail}`);
  else console.error('kurz: failed to start:', err instanceof Error ? err.message : err);
  process.exit(2);
});
