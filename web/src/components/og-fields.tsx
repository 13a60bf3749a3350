import { Field } from './field';
import type { OgDraft } from '../routing-form';

interface Props {
  og: OgDraft;
  onChange: (og: OgDraft) => void;
  /** Input name (og.title …) → message. */
  errors: Record<string, string>;
}

/** The Open Graph fields: what chat and social apps show when the short link is pasted. */
export function OgFields({ og, onChange, errors }: Props) {
  const bind = (field: keyof OgDraft) => ({
    name: `og.${field}`,
    value: og[field],
    error: errors[`og.${field}`],
    onInput: (e: { currentTarget: { value: string } }) => onChange({ ...og, [field]: e.currentTarget.value }),
  });
  return (
    <>
      <p class="hint">
        How the link unfurls in Slack, X, WhatsApp … : their preview bots get a page with these instead of the redirect.
        Leave all three empty to redirect the bots like anyone.
      </p>
      <Field label="Preview title" type="text" maxLength={200} {...bind('title')} />
      <Field label="Preview description" type="text" maxLength={500} {...bind('description')} />
      <Field label="Preview image URL" type="url" inputMode="url" autoComplete="off" placeholder="https://example.com/card.png"
        hint="An absolute http(s) URL; 1200 × 630 pixels suits most apps." {...bind('image')} />
    </>
  );
}
