/**
 * What a row of the settings table is (src/config/settings.ts), and the type of the config object,
 * inferred from the table so that no hand-written interface can drift from it.
 *
 * Units: a setting that has a unit says it at the end of its name, and the row's `unit` says the
 * same: `_MS` milliseconds, `_SECONDS` seconds, `_DAYS` days, `_BYTES` bytes. The name is checked
 * against the unit when the table compiles (and by test/unit/config-table.test.ts). A setting keeps
 * the unit it always had; one that was named without it keeps its old name as `formerly`.
 */

export type Unit = 'ms' | 'seconds' | 'days' | 'bytes';

/** The end of the name of a setting in each unit. */
export const UNIT_SUFFIX = { ms: '_MS', seconds: '_SECONDS', days: '_DAYS', bytes: '_BYTES' } as const satisfies Record<Unit, string>;

/** Reads a value as written (the environment, a flag, or the default); throws ConfigError naming `name`. */
export type Parser<T> = (raw: string, name: string) => T;

interface Row<T, U extends Unit | undefined> {
  /** Environment variable; `kurz serve --kebab-case-of-it value` sets it too. */
  name: U extends Unit ? `${string}${(typeof UNIT_SUFFIX)[U]}` : string;
  /** As written when unset or empty; `$NAME` in it is another setting's value. No default: the value is undefined. */
  default?: string;
  /** README's default column when the raw default would say less (`generated`, `empty`). */
  shown?: string;
  parse: Parser<T>;
  unit?: U;
  /** README's meaning column (Markdown). */
  meaning: string;
  /** The name it had before; still read, with a warning. */
  formerly?: string;
  /** An empty value is parsed (and refused) instead of read as unset: for settings where empty is surely a mistake. */
  keepEmpty?: boolean;
}

export class Setting<T> {
  constructor(readonly row: Row<T, Unit | undefined>) {}
}

/** Settings read together and combined into one value (the database variant from DATABASE_URL and its options). */
export class Group<S, R> {
  constructor(
    readonly settings: S,
    readonly combine: (values: ValueOf<S>) => R,
  ) {}
}

export function setting<T, U extends Unit | undefined = undefined>(row: Row<T, U> & { default: string }): Setting<T>;
export function setting<T, U extends Unit | undefined = undefined>(row: Row<T, U> & { default?: undefined }): Setting<T | undefined>;
export function setting<T, U extends Unit | undefined>(row: Row<T, U>): Setting<T | undefined> {
  return new Setting(row as Row<T, Unit | undefined>);
}

export function group<S, R>(settings: S, combine: (values: ValueOf<S>) => R): Group<S, R> {
  return new Group(settings, combine);
}

/** The value a node of the table reads to: a setting's parsed value, a group's combination, or an object of them. */
export type ValueOf<N> =
  N extends Setting<infer T> ? T
    : N extends Group<any, infer R> ? R // any S: combine takes S contravariantly, so no one S matches them all
      : { readonly [K in keyof N]: ValueOf<N[K]> };

/** Every setting under a node, in the table's order. */
export function* settingsOf(node: unknown): Generator<Setting<unknown>> {
  if (node instanceof Setting) yield node;
  else if (node instanceof Group) yield* settingsOf(node.settings);
  else for (const child of Object.values(node as object)) yield* settingsOf(child);
}
