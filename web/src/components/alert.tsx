/** A failure, in words, announced by screen readers when it appears. Renders nothing without one. */
export function Alert({ message }: { message: string | null | undefined }) {
  if (!message) return null;
  return <p role="alert" class="alert">{message}</p>;
}

/** A quiet confirmation ("Saved."), announced without interrupting. */
export function Status({ message }: { message: string | null | undefined }) {
  return <p role="status" class={message ? 'status' : 'status empty'}>{message}</p>;
}
