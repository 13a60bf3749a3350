#!/usr/bin/env node
/**
 * The kurz command.
 *   kurz [serve] [--port 8080 --database-url … --workers N and every other setting as a flag]
 *   kurz worker [--redis-url … --database-url …]   (consumes the click stream)
 *   kurz migrate [--database-url …]
 *   kurz user create --email a@b.c [--name "Ann"] [--admin]   (password from KURZ_PASSWORD or stdin)
 *   kurz seed --links N --owner a@b.c [--prefix s]   (N generated links, for benchmarks and trials)
 */
import { ConfigError, flagsToEnv, readConfig, resolveConfig, type Config } from './config.js';
import cluster from 'node:cluster';
import { serve } from './server.js';
import { runPrimary } from './cluster.js';
import { work } from './worker.js';
import { openStore } from './compose.js';
import { createAccount, normalizeEmail } from './use-cases/users.js';
import { UniqueViolation } from './ports.js';
import { AppError } from './domain/errors.js';
import { seedLinks } from './seed.js';

const USAGE = `usage: kurz [serve] [--setting value …] | kurz worker [--setting value …] | kurz migrate [--database-url …] | kurz user create --email E [--name N] [--admin] | kurz seed --links N --owner E [--prefix P]`;

async function main(argv: string[]): Promise<void> {
  const [command = 'serve', ...rest] = argv[0]?.startsWith('--') ? ['serve', ...argv] : argv;
  switch (command) {
    case 'serve': {
      const cfg = config(rest);
      return cfg.workers > 1 && cluster.isPrimary ? runPrimary(cfg) : serve(cfg);
    }
    case 'worker':
      return work(config(rest));
    case 'migrate': {
      await (await openStore(config(rest))).close();
      console.log('migrations are up to date');
      return;
    }
    case 'user':
      return userCommand(rest);
    case 'seed':
      return seedCommand(rest);
    case 'help':
    case '--help':
      console.log(USAGE);
      return;
    default:
      throw new ConfigError(command, `is not a command. ${USAGE}`);
  }
}

/** The settings from the environment and flags, with the JWT secret settled; warnings are printed once (by the primary of `--workers`). */
function config(flags: string[]): Readonly<Config> {
  const { config, warnings } = readConfig({ ...process.env, ...flagsToEnv(flags) });
  if (cluster.isPrimary) for (const warning of warnings) console.error(`kurz: warning: ${warning.message}`);
  return resolveConfig(config);
}

/** Splits a command's own flags (`own`, with a value; `switches`, without) from settings (--database-url …). */
function commandFlags(args: string[], own: string[], switches: string[] = []) {
  const opts: Record<string, string | true> = {};
  const settings: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const flag = args[i]!;
    if (switches.includes(flag)) opts[flag.slice(2)] = true;
    else if (own.includes(flag)) opts[flag.slice(2)] = args[++i] ?? '';
    else settings.push(flag);
  }
  return { opts, settings };
}

async function userCommand(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  if (sub !== 'create') throw new ConfigError(`user ${sub ?? ''}`.trim(), `is not a command. ${USAGE}`);
  const { opts, settings } = commandFlags(rest, ['--email', '--name'], ['--admin']);
  const cfg = config(settings);
  if (typeof opts.email !== 'string') throw new ConfigError('--email', 'is required');
  if (!/^[^@\s]+@[^@\s]+$/.test(opts.email)) throw new ConfigError('--email', 'is not an email address');
  const password = process.env.KURZ_PASSWORD ?? (await readStdin()).trim();
  if (password.length < 8 || password.length > 256) throw new ConfigError('password', 'must be 8 to 256 characters');
  const store = await openStore(cfg);
  try {
    const name = typeof opts.name === 'string' ? opts.name : null;
    const user = await createAccount({ store, clock: Date.now }, { email: opts.email, password, name, role: opts.admin ? 'admin' : undefined });
    console.log(JSON.stringify({ id: user.id, email: user.email, role: user.role }));
  } finally {
    await store.close();
  }
}

async function seedCommand(args: string[]): Promise<void> {
  const { opts, settings } = commandFlags(args, ['--links', '--owner', '--prefix']);
  const count = Number(opts.links);
  if (!Number.isInteger(count) || count < 1 || count > 100_000_000) throw new ConfigError('--links', 'must be a whole number from 1 to 100000000');
  if (typeof opts.owner !== 'string') throw new ConfigError('--owner', 'is required: the email of an existing account');
  const prefix = typeof opts.prefix === 'string' ? opts.prefix : 's';
  if (!/^[A-Za-z0-9_-]{1,40}$/.test(prefix)) throw new ConfigError('--prefix', 'must be 1 to 40 characters of A-Z, a-z, 0-9, "_" or "-"');
  const store = await openStore(config(settings));
  try {
    const owner = await store.findUserByEmail(normalizeEmail(opts.owner));
    if (!owner) throw new ConfigError('--owner', `no account has the email ${opts.owner} (create one with kurz user create)`);
    const started = Date.now();
    await seedLinks(store, owner.id, count, { prefix });
    console.log(JSON.stringify({ links: count, prefix, seconds: (Date.now() - started) / 1000 }));
  } catch (err) {
    if (err instanceof UniqueViolation) throw new ConfigError('--prefix', `"${prefix}" was seeded before: its codes are taken (choose another prefix)`);
    throw err;
  } finally {
    await store.close();
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
