/**
 * What every command is built from: its output, its settings and session, the values a user types
 * (parsed once, with errors that name the flag), and the password, which is never a flag's value.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { Config } from '../config.js';
import { invalid } from '../domain/errors.js';
import type { CliIo } from './io.js';
import { Output } from './output.js';
import { configOf } from './settings.js';
import { openSession, type CliDeps } from './session.js';

/** `--json` of every command that prints records. */
export const jsonOption = (): Option => new Option('--json', 'print JSON (one object a line for a list) instead of a table');

/** The command's output: `--json` or tables. */
export const outputOf = (io: CliIo, command: Command): Output => new Output(io, command.opts().json === true);

/**
 * Runs `work` with the command's settings and an open session, and closes the session after, whether
 * `work` succeeded or not (its notes about running servers' caches come last).
 */
export async function withSession<T>(io: CliIo, command: Command, work: (deps: CliDeps, out: Output, config: Readonly<Config>) => Promise<T>): Promise<T> {
  const out = outputOf(io, command);
  const config = configOf(command, io, out);
  const session = await openSession(config, io, out);
  try {
    return await work(session.deps, out, config);
  } finally {
    await session.close();
  }
}

/** A whole number from `min` to `max`, for an option's argParser. */
export const wholeNumber = (min: number, max: number) => (raw: string): number => {
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n < min || n > max) throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}`);
  return n;
};

/** A point in time as RFC 3339 (`2027-01-31T12:00:00Z`) or a date (`2027-01-31`, midnight UTC), for an option's argParser. */
export const timeArg = (raw: string): number => {
  const ms = /^\d{4}-\d{2}-\d{2}(T.+)?$/.test(raw) ? Date.parse(raw) : Number.NaN;
  if (Number.isNaN(ms)) throw new InvalidArgumentError('must be a date (2027-01-31) or an RFC 3339 time (2027-01-31T12:00:00Z)');
  return ms;
};

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** A span as a number and a unit (`90m`, `12h`, `30d`, `8w`) in milliseconds, for an option's argParser. */
export const spanArg = (raw: string): number => {
  const match = /^(\d{1,6})([mhdw])$/.exec(raw);
  if (!match || Number(match[1]) === 0) throw new InvalidArgumentError('must be a number and a unit: 90m, 12h, 30d or 8w');
  return Number(match[1]) * UNITS[match[2]!]!;
};

/** Repeatable and comma-separated: `--tag a --tag b,c` → [a, b, c]. */
export const listArg = (raw: string, previous: string[] = []): string[] => [...previous, ...raw.split(',').map((s) => s.trim()).filter(Boolean)];

/** The two flags that set an expiry, as one time (or undefined when neither is given). */
export function expiryOf(options: { expiresAt?: number; expiresIn?: number }, now: number): number | undefined {
  if (options.expiresAt !== undefined && options.expiresIn !== undefined) throw invalid('--expires-at', 'and --expires-in cannot both be given');
  return options.expiresIn === undefined ? options.expiresAt : now + options.expiresIn;
}

/** Passwords are 8 to 256 characters (the policy in security/ checks their strength after). */
const PASSWORD_LENGTH = { min: 8, max: 256 };

/**
 * A password, never from a flag (flags end up in shell history and `ps`): from stdin with
 * `--password-stdin`, else KURZ_PASSWORD, else a stdin that is not a terminal (a pipe), as before.
 */
export async function readPassword(io: CliIo, fromStdin: boolean): Promise<string> {
  let password: string;
  if (!fromStdin && io.env.KURZ_PASSWORD !== undefined) password = io.env.KURZ_PASSWORD;
  else if (fromStdin || !io.stdin.isTTY) password = (await readAll(io.stdin)).replace(/\r?\n$/, '');
  else throw invalid('password', 'is read from KURZ_PASSWORD, or from stdin with --password-stdin; never from a flag');
  if (password.length < PASSWORD_LENGTH.min || password.length > PASSWORD_LENGTH.max) {
    throw invalid('password', `must be ${PASSWORD_LENGTH.min} to ${PASSWORD_LENGTH.max} characters`);
  }
  return password;
}

async function readAll(stream: AsyncIterable<string | Buffer>): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += chunk.toString();
  return text;
}

/** ms → "2027-01-31 12:00" (UTC), or "—" for none. */
export const when = (ms: number | null): string => (ms === null ? '—' : new Date(ms).toISOString().slice(0, 16).replace('T', ' '));
