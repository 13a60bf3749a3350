/**
 * Reads the settings table (./settings.ts) from the environment (and `kurz serve --flag value`, which
 * wins), validated and frozen. A bad value stops start-up with one line that names the setting; an
 * old name still works and comes back as a warning, which the caller logs once.
 */
import { ConfigError } from './config-error.js';
import { Group, Setting, settingsOf, type ValueOf } from './setting.js';
import { SETTINGS_TABLE, checkTogether, type Database } from './settings.js';

export type Env = Record<string, string | undefined>;

/** The config object as read: jwtSecret is still undefined on SQLite when JWT_SECRET is unset (see resolveConfig). */
export type LoadedConfig = ValueOf<typeof SETTINGS_TABLE>;

/** A setting read under its old name (or an old name set beside the new one): one line for the log. */
export interface ConfigWarning {
  /** The name that was set. */
  setting: string;
  message: string;
}

const ROWS = [...settingsOf(SETTINGS_TABLE)];
const BY_NAME = new Map(ROWS.map((s) => [s.row.name, s]));

/** Every name a setting is read under, old names included (the set of `kurz serve` flags). */
export const SETTINGS: ReadonlySet<string> = new Set(ROWS.flatMap(({ row }) => (row.formerly ? [row.name, row.formerly] : [row.name])));

/** The config and the warnings to log once at start-up. */
export function readConfig(env: Env = process.env): { config: Readonly<LoadedConfig>; warnings: readonly ConfigWarning[] } {
  const reader = new Reader(env);
  const config = reader.read(SETTINGS_TABLE);
  checkTogether(config);
  return { config, warnings: reader.warnings };
}

/** readConfig without the warnings: for tests and tools that set their own environment. */
export function loadConfig(env: Env = process.env): Readonly<LoadedConfig> {
  return readConfig(env).config;
}

/** DATABASE_URL, and the settings of the store it names. */
export function parseDatabase(env: Env): Database {
  return new Reader(env).read(SETTINGS_TABLE.database);
}

/** `--base-url x` → `BASE_URL=x`; `--flag=value` works too. Unknown flags are an error. */
export function flagsToEnv(args: readonly string[]): Env {
  const env: Env = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('--')) throw new ConfigError(arg, 'is not a flag (expected --name value)');
    const [name, inline] = arg.slice(2).split(/=(.*)/s, 2);
    const key = name!.replace(/-/g, '_').toUpperCase();
    if (!SETTINGS.has(key)) throw new ConfigError(`--${name}`, 'is not a known setting');
    const value = inline ?? args[++i];
    if (value === undefined) throw new ConfigError(`--${name}`, 'needs a value');
    env[key] = value;
  }
  return env;
}

class Reader {
  readonly warnings: ConfigWarning[] = [];

  constructor(private readonly env: Env) {}

  read<N>(node: N): ValueOf<N> {
    if (node instanceof Setting) return this.value(node) as ValueOf<N>;
    if (node instanceof Group) return Object.freeze(node.combine(this.read(node.settings)));
    const values = Object.entries(node as object).map(([key, child]) => [key, this.read(child)]);
    return Object.freeze(Object.fromEntries(values)) as ValueOf<N>;
  }

  private value({ row }: Setting<unknown>): unknown {
    const given = this.given(row.name, row.keepEmpty);
    const old = row.formerly === undefined ? undefined : this.given(row.formerly, row.keepEmpty);
    if (old !== undefined && !this.warnings.some((w) => w.setting === row.formerly)) {
      this.warnings.push({
        setting: row.formerly!,
        message: given === undefined
          ? `${row.formerly} is an old name of ${row.name}: it still works, but rename it`
          : `${row.formerly} is ignored: ${row.name}, its new name, is set too`,
      });
    }
    if (given !== undefined) return row.parse(given, row.name);
    if (old !== undefined) return row.parse(old, row.formerly!);
    return row.default === undefined ? undefined : row.parse(this.expand(row.default), row.name);
  }

  /** The value set under `name`; an empty one counts as unset unless the setting keeps it. */
  private given(name: string, keepEmpty = false): string | undefined {
    const raw = this.env[name];
    return raw === undefined || (raw === '' && !keepEmpty) ? undefined : raw;
  }

  /** `$NAME` in a default is that setting's value (BASE_URL's default follows PORT). */
  private expand(text: string): string {
    return text.replace(/\$([A-Z][A-Z0-9_]*)/g, (_, name: string) => String(this.value(BY_NAME.get(name)!)));
  }
}
