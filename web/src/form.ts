/**
 * The life of a form that calls the API: busy while it runs; afterwards each of the problem's field
 * errors sits under its input and the rest, in words, in the form's alert.
 */
import { useState } from 'preact/hooks';
import { ApiError } from './api';

export interface FormErrors {
  /** Input name → message. */
  fields: Record<string, string>;
  /** For the alert: what no input can show. */
  message: string | null;
}

const NONE: FormErrors = { fields: {}, message: null };

/** Finds the input of a field no entry of `inputs` names (one of a list the user edits: `rules[0].url`). */
export type Placer = (field: string) => string | undefined;

/**
 * Splits a failure over a form. `inputs` maps the API's snake_case field names to the form's input
 * names; `tags[2]` or `tags.x` count as `tags` unless the whole name is mapped (`utm.source`) or
 * `place` places it.
 */
export function formErrors(err: unknown, inputs: Record<string, string>, place?: Placer): FormErrors {
  if (!(err instanceof ApiError)) return { fields: {}, message: 'Something went wrong. Reload the page and try again.' };
  const fields: Record<string, string> = {};
  let unplaced = false;
  for (const { field, message } of err.problem?.errors ?? []) {
    const input = inputs[field] ?? place?.(field) ?? inputs[field.split(/[.[/]/)[0] ?? field];
    if (input) fields[input] = fields[input] ? `${fields[input]}; ${message}` : message;
    else unplaced = true;
  }
  const placedAll = Object.keys(fields).length > 0 && !unplaced;
  return { fields, message: placedAll ? null : err.message };
}

/** An error for when a value is wrong before any call: shown like the API's own. */
export const localError = (fields: Record<string, string>): FormErrors => ({ fields, message: null });

export function useForm(inputs: Record<string, string>, place?: Placer) {
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<FormErrors>(NONE);

  /** Runs `action` for the form; on failure shows the errors and moves focus to the first bad input. */
  async function run(form: HTMLFormElement | null, action: () => Promise<void>): Promise<boolean> {
    setBusy(true);
    setErrors(NONE);
    try {
      await action();
      return true;
    } catch (err) {
      fail(form, formErrors(err, inputs, place));
      return false;
    } finally {
      setBusy(false);
    }
  }

  function fail(form: HTMLFormElement | null, found: FormErrors): void {
    setErrors(found);
    // After the render that marks the inputs invalid.
    requestAnimationFrame(() => form?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
  }

  return { busy, errors, run, fail, clear: () => setErrors(NONE) };
}
