/**
 * Every setting of the table (src/config/settings.ts) as a flag of each command that opens the store:
 * `--database-url x` and `--database-url=x` set DATABASE_URL and win over the environment, as
 * `kurz serve` always took them. They are hidden from each command's help (some sixty lines that
 * README's configuration table explains) but for one line that says so.
 */
import cluster from 'node:cluster';
import { Option, type Command } from 'commander';
import { SETTINGS, readConfig, resolveConfig, type Config } from '../config.js';
import type { CliIo } from './io.js';
import type { Output } from './output.js';

/** `DATABASE_URL` → `--database-url <value>`, hidden from help. */
const optionOf = (name: string): Option => new Option(`--${name.toLowerCase().replace(/_/g, '-')} <value>`).hideHelp();

/** Each setting, and the key commander stores its flag's value under. */
const FLAGS = [...SETTINGS].map((name) => ({ name, key: optionOf(name).attributeName() }));

/** The one line of help that stands for the hidden setting flags. */
export const SETTINGS_HELP = '\nEvery setting (README, "Configuration") is read from the environment, or from a flag of the same name\nthat wins over it: DATABASE_URL as --database-url URL, REDIS_URL as --redis-url URL …';

/** Gives `command` every setting's flag, hidden, and the help line about them. */
export function withSettings(command: Command): Command {
  for (const { name } of FLAGS) command.addOption(optionOf(name));
  return command.addHelpText('after', SETTINGS_HELP);
}

/**
 * The settings of this run: the environment, overridden by the setting flags given; the JWT secret
 * settled. A setting read under its old name is warned about (once, by the primary of `--workers`).
 */
export function configOf(command: Command, io: Pick<CliIo, 'env'>, out: Output): Readonly<Config> {
  const given = command.opts();
  const env = { ...io.env };
  for (const { name, key } of FLAGS) if (given[key] !== undefined) env[name] = String(given[key]);
  const { config, warnings } = readConfig(env);
  if (cluster.isPrimary) for (const warning of warnings) out.warn(warning.message);
  return resolveConfig(config);
}

/**
 * The setting flag closest to a mistyped one (`--prot` → `--port`), within two edits; commander
 * suggests only among the flags help shows, which the settings' are not.
 */
export function nearestSettingFlag(flag: string): string | undefined {
  let best: { flag: string; distance: number } | undefined;
  for (const { name } of FLAGS) {
    const candidate = optionOf(name).long!;
    const distance = editDistance(flag, candidate);
    if (distance <= 2 && (!best || distance < best.distance)) best = { flag: candidate, distance };
  }
  return best?.flag;
}

/** Levenshtein distance: insertions, deletions and substitutions, one row at a time. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = row;
  }
  return previous[b.length]!;
}
