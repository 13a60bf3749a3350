import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';

/**
 * A group of optional fields that opens on demand: open from the start when something in it is set,
 * and kept open while something in it is wrong, so that the focus can move to the input at fault.
 */
export function FieldGroup({ summary, set, failed, children }: { summary: string; set: boolean; failed: boolean; children: ComponentChildren }) {
  const [open, setOpen] = useState(set);
  return (
    <details class="field-group" open={open || failed} onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>{summary}</summary>
      {children}
    </details>
  );
}
