import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, call } from '../api';
import { Alert } from '../components/alert';
import { CopyButton } from '../components/copy-button';
import { Field } from '../components/field';
import { Page } from '../components/page';
import { VisuallyHidden } from '../components/visually-hidden';
import { localError, useForm } from '../form';
import { formatTime, fromLocalInput } from '../format';
import type { ApiKey, ApiKeyCreated } from '../types';

const message = (err: unknown, fallback: string) => (err instanceof ApiError ? err.message : fallback);

export function ApiKeys() {
  const [keys, setKeys] = useState<ApiKey[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<ApiKeyCreated | null>(null);

  useEffect(() => {
    call<{ data: ApiKey[] }>('GET', '/api-keys').then(
      (page) => setKeys(page.data),
      (err: unknown) => setError(message(err, 'The API keys could not be loaded.')),
    );
  }, []);

  const onCreated = (key: ApiKeyCreated) => {
    setCreated(key);
    const { key: _secret, ...listed } = key;
    setKeys((before) => [listed, ...(before ?? [])]);
  };

  return (
    <Page title="API keys">
      <p>Programs call the API with <code>Authorization: Bearer &lt;key&gt;</code>. A key acts as you.</p>
      {created ? <NewKey created={created} onDone={() => setCreated(null)} /> : <CreateKey onCreated={onCreated} />}
      <h2>Your keys</h2>
      <Alert message={error} />
      {keys === null ? (!error && <p class="muted">Loading…</p>) : keys.length === 0 ? (
        <p class="empty">No API keys yet.</p>
      ) : (
        <KeyTable keys={keys} onRevoked={(id) => setKeys((before) => (before ?? []).filter((k) => k.id !== id))} />
      )}
    </Page>
  );
}

function CreateKey({ onCreated }: { onCreated: (key: ApiKeyCreated) => void }) {
  const form = useRef<HTMLFormElement>(null);
  const [name, setName] = useState('');
  const [expires, setExpires] = useState('');
  const { busy, errors, run, fail } = useForm({ name: 'name', expires_at: 'expires_at' });

  const submit = (event: Event) => {
    event.preventDefault();
    const expiresAt = fromLocalInput(expires);
    if (expiresAt === undefined) return fail(form.current, localError({ expires_at: 'is not a valid date and time' }));
    void run(form.current, async () => {
      onCreated(await call<ApiKeyCreated>('POST', '/api-keys', { body: { name: name.trim(), ...(expiresAt && { expires_at: expiresAt }) } }));
    });
  };

  return (
    <form ref={form} class="card" onSubmit={submit} noValidate>
      <h2>Create a key</h2>
      <Field label="Name" name="name" type="text" required hint="What uses it, e.g. “deploy script”."
        value={name} onInput={(e) => setName(e.currentTarget.value)} error={errors.fields.name} />
      <Field label="Expires at (optional)" name="expires_at" type="datetime-local" hint="Your local time. Leave empty for never."
        value={expires} onInput={(e) => setExpires(e.currentTarget.value)} error={errors.fields.expires_at} />
      <Alert message={errors.message} />
      <button type="submit" disabled={busy}>{busy ? 'Creating…' : 'Create key'}</button>
    </form>
  );
}

/** The secret, once: the server keeps only its hash, so nobody can show it again. */
function NewKey({ created, onDone }: { created: ApiKeyCreated; onDone: () => void }) {
  const box = useRef<HTMLElement>(null);
  useEffect(() => box.current?.focus(), []);
  return (
    <section ref={box} tabIndex={-1} class="card new-key">
      <h2>Your new key “{created.name}”</h2>
      <p class="warning"><strong>Copy it now: it won’t be shown again.</strong></p>
      <p class="short-url-row">
        <code data-testid="new-api-key" class="secret">{created.key}</code>
        <CopyButton text={created.key} />
      </p>
      <button type="button" class="secondary" onClick={onDone}>Done</button>
    </section>
  );
}

function KeyTable({ keys, onRevoked }: { keys: ApiKey[]; onRevoked: (id: string) => void }) {
  return (
    <div class="table-scroll">
      <table>
        <caption class="visually-hidden">Your API keys</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Starts with</th>
            <th scope="col">Created</th>
            <th scope="col">Expires</th>
            <th scope="col"><VisuallyHidden>Actions</VisuallyHidden></th>
          </tr>
        </thead>
        <tbody>
          {keys.map((key) => (
            <tr key={key.id}>
              <td>{key.name}</td>
              <td><code>{key.prefix}…</code></td>
              <td>{formatTime(key.created_at)}</td>
              <td>{key.expires_at ? formatTime(key.expires_at) : 'Never'}</td>
              <td><Revoke apiKey={key} onRevoked={onRevoked} /></td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Revoking is final for every program using the key, so it asks once more. */
function Revoke({ apiKey, onRevoked }: { apiKey: ApiKey; onRevoked: (id: string) => void }) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const confirmButton = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (confirming) confirmButton.current?.focus();
  }, [confirming]);

  const revoke = async () => {
    setBusy(true);
    setError(null);
    try {
      await call<void>('DELETE', `/api-keys/${encodeURIComponent(apiKey.id)}`);
      onRevoked(apiKey.id);
    } catch (err) {
      setError(message(err, 'The key could not be revoked.'));
      setBusy(false);
    }
  };

  if (!confirming) {
    return (
      <button type="button" class="danger small" onClick={() => setConfirming(true)}>
        Revoke<VisuallyHidden> {apiKey.name}</VisuallyHidden>
      </button>
    );
  }
  return (
    <div class="inline-confirm">
      <button type="button" class="danger small" ref={confirmButton} onClick={revoke} disabled={busy}>
        {busy ? 'Revoking…' : 'Yes, revoke'}<VisuallyHidden> {apiKey.name}</VisuallyHidden>
      </button>{' '}
      <button type="button" class="secondary small" onClick={() => setConfirming(false)} disabled={busy}>Cancel</button>
      <Alert message={error} />
    </div>
  );
}
