import type { ComponentChildren } from 'preact';

/** Words for screen readers only, e.g. which link an "Edit" button edits. */
export function VisuallyHidden({ children }: { children: ComponentChildren }) {
  return <span class="visually-hidden">{children}</span>;
}
