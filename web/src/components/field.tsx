import type { ComponentChildren, InputHTMLAttributes, SelectHTMLAttributes } from 'preact';
import { useId } from 'preact/hooks';

interface Described {
  label: string;
  /** A sentence under the label: format, limits. */
  hint?: string;
  /** The API's message for this field, shown under it and tied to it for screen readers. */
  error?: string;
}

/** The ids and attributes that tie a control to its label, hint and error. */
function useDescribed({ hint, error }: Described) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(' ') || undefined;
  return { id, hintId, errorId, control: { id, 'aria-describedby': describedBy, 'aria-invalid': error ? ('true' as const) : undefined } };
}

function Frame({ label, hint, error, id, hintId, errorId, children }: Described & { id: string; hintId?: string; errorId?: string; children: ComponentChildren }) {
  return (
    <div class={error ? 'field invalid' : 'field'}>
      <label for={id}>{label}</label>
      {hint && <p id={hintId} class="hint">{hint}</p>}
      {children}
      {error && <p id={errorId} class="field-error">{error}</p>}
    </div>
  );
}

export function Field({ label, hint, error, ...input }: Described & InputHTMLAttributes) {
  const d = useDescribed({ label, hint, error });
  return (
    <Frame label={label} hint={hint} error={error} id={d.id} hintId={d.hintId} errorId={d.errorId}>
      <input {...input} {...d.control} />
    </Frame>
  );
}

export function SelectField({ label, hint, error, children, ...select }: Described & SelectHTMLAttributes) {
  const d = useDescribed({ label, hint, error });
  return (
    <Frame label={label} hint={hint} error={error} id={d.id} hintId={d.hintId} errorId={d.errorId}>
      <select {...select} {...d.control}>{children}</select>
    </Frame>
  );
}
