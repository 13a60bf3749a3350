import { useState } from 'preact/hooks';
import { Field } from './field';
import { UTM_FIELDS, type UtmDraft } from '../link-form';

/** What binds one text input of a form to its draft: name, value, onInput and the API's error. */
type Bind<K extends string> = (name: K) => {
  name: string;
  value: string;
  onInput: (e: { currentTarget: { value: string } }) => void;
  error?: string;
};

/**
 * The fallback for when the link is over, and the UTM parameters in a group of their own that opens on
 * demand (open from the start when some are set or wrong, so nothing set is hidden). Shared by the
 * shorten form and the edit form.
 */
export function LinkOptionsFields({ bind, utm }: { bind: Bind<'expired_url' | keyof UtmDraft>; utm: UtmDraft }) {
  const names = UTM_FIELDS.map(({ key }) => `utm_${key}` as const);
  const [open, setOpen] = useState(() => names.some((n) => utm[n].trim() !== ''));
  // An error in the group keeps it open in the same render, so the focus can move to the input that has it.
  const failed = names.some((n) => bind(n).error);
  return (
    <>
      <Field label="After it expires, send visitors to" type="url" inputMode="url" autoComplete="off"
        hint="When the link has expired or reached its click limit. Leave empty to tell visitors the link is over."
        placeholder="https://example.com/offer-ended" {...bind('expired_url')} />
      <details class="field-group" open={open || failed} onToggle={(e) => setOpen(e.currentTarget.open)}>
        <summary>UTM parameters (campaign tracking)</summary>
        <p class="hint">Added to the destination URL as utm_source, utm_medium … Other parameters of the URL are kept.</p>
        {UTM_FIELDS.map(({ key, label, hint }) => (
          <Field key={key} label={label} type="text" autoCapitalize="off" spellcheck={false} maxLength={200} hint={hint} {...bind(`utm_${key}`)} />
        ))}
      </details>
    </>
  );
}
