import { useEffect, useState } from 'preact/hooks';
import { Field } from './field';
import { VisuallyHidden } from './visually-hidden';
import {
  MAX_DESTINATIONS, MAX_WEIGHT, MIN_DESTINATIONS, destinationInput, emptyDestination, formatShare, shares, type DestinationDraft,
} from '../routing-form';

interface Props {
  destinations: DestinationDraft[];
  onChange: (destinations: DestinationDraft[]) => void;
  /** Input name → message. */
  errors: Record<string, string>;
}

/**
 * An A/B split: 2 to 10 URLs with integer weights, each arm's share of the visits shown as it is typed.
 * Starting a split adds its two first arms; removing all of them ends it.
 */
export function SplitEditor({ destinations, onChange, errors }: Props) {
  // After a button that starts, ends or shrinks the split goes, the focus goes to what replaces it.
  const [focus, setFocus] = useState<string | null>(null);
  useEffect(() => {
    if (focus) document.querySelector<HTMLElement>(`[data-focus="${focus}"]`)?.focus();
    setFocus(null);
  }, [focus]);
  const change = (next: DestinationDraft[], then: string) => {
    onChange(next);
    setFocus(then);
  };
  const percent = shares(destinations);
  const set = (i: number, d: DestinationDraft) => onChange(destinations.map((x, k) => (k === i ? d : x)));
  const full = destinations.length >= MAX_DESTINATIONS;
  return (
    <div class="split-editor">
      <p class="hint">
        Visits that no rule takes are shared out between {MIN_DESTINATIONS} to {MAX_DESTINATIONS} URLs in proportion to their
        weights. A visitor keeps the URL they were given for 30 days, so a reload does not flip the test.
      </p>
      {destinations.length === 0 ? (
        <>
          <p class="empty">No split: visits go to the destination URL.</p>
          <button type="button" class="secondary" data-focus="split-start"
            onClick={() => change([emptyDestination(), emptyDestination()], 'split-first')}>Start an A/B split</button>
        </>
      ) : (
        <>
          <ol class="destinations">
            {destinations.map((d, i) => (
              <li key={d.key}>
                <fieldset class="destination">
                  <legend>Variant {i + 1}</legend>
                  <div class="destination-fields">
                    <Field label="URL" type="url" inputMode="url" autoComplete="off" required placeholder="https://example.com/b"
                      data-focus={i === 0 ? 'split-first' : undefined}
                      name={destinationInput(i, 'url')} value={d.url} error={errors[destinationInput(i, 'url')]}
                      onInput={(e) => set(i, { ...d, url: e.currentTarget.value })} />
                    <Field label="Weight" type="number" inputMode="numeric" min={1} max={MAX_WEIGHT} step={1} required
                      name={destinationInput(i, 'weight')} value={d.weight} error={errors[destinationInput(i, 'weight')]}
                      onInput={(e) => set(i, { ...d, weight: e.currentTarget.value })} />
                  </div>
                  <p class="share">
                    <span data-testid="share">{formatShare(percent[i] ?? 0)}</span> of the split{' '}
                    <button type="button" class="link-button" onClick={() => change(destinations.filter((_, k) => k !== i), destinations.length > 1 ? 'split-add' : 'split-start')}>
                      Remove<VisuallyHidden> variant {i + 1}</VisuallyHidden>
                    </button>
                  </p>
                </fieldset>
              </li>
            ))}
          </ol>
          <button type="button" class="secondary" data-focus="split-add" onClick={() => onChange([...destinations, emptyDestination()])} disabled={full}
            aria-describedby={full ? 'split-full' : undefined}>
            Add variant
          </button>
          {full && <span id="split-full" class="hint">{MAX_DESTINATIONS} variants at most. </span>}
          <button type="button" class="secondary" onClick={() => change([], 'split-start')}>Remove the split</button>
        </>
      )}
    </div>
  );
}
