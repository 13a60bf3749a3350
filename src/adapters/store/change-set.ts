/** Drops the keys whose value is undefined: in a change set, absent means "leave the column as it is". */
export function definedOnly<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Partial<T>;
}
