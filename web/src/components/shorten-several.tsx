import { useId, useRef, useState } from 'preact/hooks';
import { call } from '../api';
import { Alert } from './alert';
import { useForm } from '../form';
import { shortUrlOf } from '../format';
import type { BulkResult } from '../types';

/** The API's limit on one bulk request (BULK_MAX_LINKS in src/http/schemas.ts). */
const MAX_LINES = 1_000;

/** One URL per line → POST /api/v1/links/bulk; each line's short URL, or its error, next to it. */
export function ShortenSeveral() {
  const form = useRef<HTMLFormElement>(null);
  const id = useId();
  const [text, setText] = useState('');
  const [answered, setAnswered] = useState<{ url: string; result: BulkResult }[] | null>(null);
  const { busy, errors, run, fail } = useForm({});
  const lines = text.split('\n').map((line) => line.trim()).filter((line) => line !== '');

  const submit = (event: Event) => {
    event.preventDefault();
    if (lines.length === 0) return fail(form.current, { fields: {}, message: 'Enter at least one URL, one per line.' });
    if (lines.length > MAX_LINES) return fail(form.current, { fields: {}, message: `At most ${MAX_LINES.toLocaleString('en')} URLs at once; this has ${lines.length.toLocaleString('en')}.` });
    void run(form.current, async () => {
      setAnswered(null);
      const { results } = await call<{ results: BulkResult[] }>('POST', '/links/bulk', { body: { links: lines.map((url) => ({ url })) } });
      setAnswered(results.map((result, i) => ({ url: lines[i]!, result })));
    });
  };

  const created = answered?.filter((a) => a.result.link).length ?? 0;
  return (
    <details class="shorten-several">
      <summary>Shorten several</summary>
      <form ref={form} class="shorten" onSubmit={submit} noValidate>
        <div class="field">
          <label for={id}>URLs to shorten, one per line</label>
          <p id={`${id}-hint`} class="hint">Up to {MAX_LINES.toLocaleString('en')}; empty lines are skipped.</p>
          <textarea id={id} aria-describedby={`${id}-hint`} rows={6} value={text} spellcheck={false} autoComplete="off"
            onInput={(e) => setText(e.currentTarget.value)} />
        </div>
        <button type="submit" disabled={busy}>{busy ? 'Shortening…' : `Shorten ${lines.length === 1 ? '1 URL' : `${lines.length.toLocaleString('en')} URLs`}`}</button>
        <Alert message={errors.message} />
      </form>
      {answered && (
        <section class="card" aria-live="polite">
          <h2>{created} of {answered.length} shortened</h2>
          <ol class="bulk-results">
            {answered.map(({ url, result }, i) => (
              <li key={i} data-testid="bulk-result">
                <span class="target">{url}</span>{' → '}
                {result.link
                  ? <a class="short-url-small" href={shortUrlOf(result.link)}>{shortUrlOf(result.link)}</a>
                  : <span class="field-error">{result.problem?.detail}</span>}
              </li>
            ))}
          </ol>
        </section>
      )}
    </details>
  );
}
