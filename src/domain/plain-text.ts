/**
 * Text a client sends is plain: no C0 control (U+0000–U+001F), no DEL (U+007F), no unpaired surrogate.
 * No field of the API needs one; PostgreSQL refuses a NUL in text (a 500 before this check), SQLite
 * stores it, and an unpaired surrogate (invalid UTF-16) would be stored as U+FFFD, silently changed.
 */
const NOT_PLAIN = /[\u0000-\u001f\u007f]|\p{Cs}/u;

export const NOT_PLAIN_MESSAGE = 'must not contain control characters (U+0000 to U+001F, U+007F) or unpaired surrogates';

export const isPlainText = (s: string): boolean => !NOT_PLAIN.test(s);

/** Reported fields are bounded: a body of 10 MB of NUL strings must not build a 10 MB problem. */
const MAX_REPORTED = 20;

/**
 * The fields of `value` (a parsed JSON body, a query or path parameters) that hold text that is not
 * plain, named as validation names them (`title`, `tags[1]`, `a.b`); a property whose name is not plain
 * text is reported as its parent (`root` at the top). Iterative: a 64 KB body can nest 30,000 arrays deep,
 * more than the call stack holds.
 */
export function fieldsNotPlain(value: unknown, root: string): string[] {
  return allPlain(value) ? [] : namedFields(value, root);
}

/** A parsed JSON object or a parameter map; a Buffer or a stream (another parser's body) is not text to walk. */
function isRecord(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  return !ArrayBuffer.isView(value) && !(value instanceof ArrayBuffer) && typeof (value as { pipe?: unknown }).pipe !== 'function';
}

/** The common case, every string plain, without building a path per value. */
function allPlain(value: unknown): boolean {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const item = pending.pop();
    if (typeof item === 'string') {
      if (NOT_PLAIN.test(item)) return false;
    } else if (Array.isArray(item)) {
      for (const element of item) pending.push(element);
    } else if (isRecord(item)) {
      for (const key in item) {
        if (NOT_PLAIN.test(key)) return false;
        pending.push(item[key]);
      }
    }
  }
  return true;
}

function namedFields(value: unknown, root: string): string[] {
  const found: string[] = [];
  const pending: [unknown, string][] = [[value, '']];
  while (pending.length > 0 && found.length < MAX_REPORTED) {
    const [item, path] = pending.pop()!;
    if (typeof item === 'string') {
      if (!isPlainText(item)) found.push(path || root);
    } else if (Array.isArray(item)) {
      for (let i = item.length - 1; i >= 0; i--) pending.push([item[i], `${path}[${i}]`]);
    } else if (isRecord(item)) {
      const keys = Object.keys(item);
      if (!keys.every(isPlainText)) found.push(path || root);
      for (let i = keys.length - 1; i >= 0; i--) {
        const key = keys[i]!;
        pending.push([item[key], path ? `${path}.${key}` : key]);
      }
    }
  }
  return [...new Set(found)];
}
