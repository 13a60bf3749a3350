import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, call } from '../api';
import { Alert, Status } from '../components/alert';
import { Field } from '../components/field';
import { Page } from '../components/page';
import { VisuallyHidden } from '../components/visually-hidden';
import { loadDomains } from '../domains';
import { useForm } from '../form';
import type { Page as ApiPage, Domain, User } from '../types';

const message = (err: unknown, fallback: string) => (err instanceof ApiError ? err.message : fallback);
const REDIRECT_INPUTS = { root_redirect: 'root_redirect', not_found_redirect: 'not_found_redirect' };
/** An empty redirect field is "none": the API's null, which answers 404 there. */
const redirectOf = (text: string): string | null => text.trim() || null;
const editButtonId = (domain: Domain) => `edit-domain-${domain.id}`;

/** Custom domains, for admins; the API answers 403 to anyone else, so they get a sentence instead. */
export function Domains({ me }: { me: User }) {
  if (me.role !== 'admin') {
    return (
      <Page title="Domains">
        <p role="alert" class="alert">Only administrators can manage domains.</p>
      </Page>
    );
  }
  return <DomainAdmin />;
}

function DomainAdmin() {
  const [domains, setDomains] = useState<Domain[] | null>(null);
  const [owners, setOwners] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const listHeading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    loadDomains().then(setDomains, (err: unknown) => setError(message(err, 'The domains could not be loaded.')));
  }, []);

  // Owners by email where the users list has them; an owner not found there shows as its id.
  const ownerIds = [...new Set((domains ?? []).map((d) => d.owner_id).filter((id): id is string => id !== null))];
  const missing = ownerIds.filter((id) => !(id in owners));
  useEffect(() => {
    if (missing.length) void ownerEmails(missing).then((found) => setOwners((before) => ({ ...before, ...found })));
  }, [missing.join()]);

  const closeEditor = (domain: Domain) => {
    setEditing(null);
    // Back where the user was: the row's Edit button, once it is rendered again.
    requestAnimationFrame(() => document.getElementById(editButtonId(domain))?.focus());
  };

  return (
    <Page title="Domains">
      <p>
        Short links can live on other host names than BASE_URL’s. To add one, point the domain’s DNS (an A, AAAA or
        CNAME record) at this server, then register it below. A proxy in front of Kurz must pass the <code>Host</code> header
        on, or send <code>X-Forwarded-Host</code>, which Kurz believes only from the addresses <code>TRUST_PROXY</code> names.
      </p>
      <AddDomain onAdded={(domain) => {
        setDomains((before) => [domain, ...(before ?? [])]);
        setStatus(`Added ${domain.hostname}.`);
      }} />
      <h2 ref={listHeading} tabIndex={-1}>Registered domains</h2>
      <Status message={status} />
      <Alert message={error} />
      {domains === null ? (!error && <p class="muted">Loading…</p>) : (
        <div class="table-scroll">
          <table class="domains">
            <caption class="visually-hidden">Registered domains</caption>
            <thead>
              <tr>
                <th scope="col">Host name</th>
                <th scope="col">Who may use it</th>
                <th scope="col">Root (/) goes to</th>
                <th scope="col">Unknown codes go to</th>
                <th scope="col"><VisuallyHidden>Actions</VisuallyHidden></th>
              </tr>
            </thead>
            <tbody>
              {domains.map((domain) => [
                <tr key={domain.id}>
                  <th scope="row" class="break">
                    {domain.hostname}
                    {domain.is_default && <span class="muted"> default (BASE_URL)</span>}
                  </th>
                  <td class="break">{domain.owner_id === null ? 'Every user' : owners[domain.owner_id] || domain.owner_id}</td>
                  {/* BASE_URL's host serves this dashboard at /; every host answers an unknown code with Kurz's 404 page. */}
                  <td class="break">{redirectText(domain.root_redirect, domain.is_default ? 'this dashboard' : 'a 404 page')}</td>
                  <td class="break">{redirectText(domain.not_found_redirect, 'a 404 page')}</td>
                  <td>
                    {domain.is_default ? <span class="muted">Set by BASE_URL</span> : (
                      <RowActions
                        domain={domain}
                        editing={editing === domain.id}
                        onEdit={() => {
                          setStatus(null);
                          setEditing(domain.id);
                        }}
                        onDeleted={() => {
                          setDomains((before) => (before ?? []).filter((d) => d.id !== domain.id));
                          setStatus(`Deleted ${domain.hostname}.`);
                          // The row and its buttons are gone: the list's heading takes focus.
                          requestAnimationFrame(() => listHeading.current?.focus());
                        }}
                      />
                    )}
                  </td>
                </tr>,
                editing === domain.id && (
                  <tr key={`${domain.id}-edit`} class="edit-row">
                    <td colSpan={5}>
                      <EditDomain
                        domain={domain}
                        onSaved={(saved) => {
                          setDomains((before) => (before ?? []).map((d) => (d.id === saved.id ? saved : d)));
                          setStatus(`Saved ${saved.hostname}.`);
                          closeEditor(saved);
                        }}
                        onCancel={() => closeEditor(domain)}
                      />
                    </td>
                  </tr>
                ),
              ])}
            </tbody>
          </table>
        </div>
      )}
    </Page>
  );
}

/** A redirect as the table shows it: the URL, or what the server answers there without one. */
const redirectText = (url: string | null, otherwise: string) => (url ? <a href={url}>{url}</a> : <span class="muted">{otherwise}</span>);

function AddDomain({ onAdded }: { onAdded: (domain: Domain) => void }) {
  const form = useRef<HTMLFormElement>(null);
  const [hostname, setHostname] = useState('');
  const [root, setRoot] = useState('');
  const [notFound, setNotFound] = useState('');
  const { busy, errors, run } = useForm({ hostname: 'hostname', ...REDIRECT_INPUTS });

  const submit = (event: Event) => {
    event.preventDefault();
    void run(form.current, async () => {
      const body = {
        hostname: hostname.trim(),
        ...(redirectOf(root) && { root_redirect: redirectOf(root) }),
        ...(redirectOf(notFound) && { not_found_redirect: redirectOf(notFound) }),
      };
      onAdded(await call<Domain>('POST', '/domains', { body }));
      setHostname('');
      setRoot('');
      setNotFound('');
      // Ready for the next one; the status below says this one was added.
      requestAnimationFrame(() => form.current?.querySelector<HTMLInputElement>('input[name="hostname"]')?.focus());
    });
  };

  return (
    <form ref={form} class="card" onSubmit={submit} noValidate>
      <h2>Add a domain</h2>
      <Field label="Host name" name="hostname" type="text" autoCapitalize="off" autoComplete="off" spellcheck={false} required
        hint="The name only, e.g. go.example.com: no https://, port or path."
        value={hostname} onInput={(e) => setHostname(e.currentTarget.value)} error={errors.fields.hostname} />
      <Field label="Root redirect (optional)" name="root_redirect" type="url" inputMode="url" autoComplete="off"
        hint="Where a visit to the domain itself (/) is sent. Empty: a 404 page."
        value={root} onInput={(e) => setRoot(e.currentTarget.value)} error={errors.fields.root_redirect} />
      <Field label="Not-found redirect (optional)" name="not_found_redirect" type="url" inputMode="url" autoComplete="off"
        hint="Where a short URL with an unknown code is sent. Empty: a 404 page."
        value={notFound} onInput={(e) => setNotFound(e.currentTarget.value)} error={errors.fields.not_found_redirect} />
      <Alert message={errors.message} />
      <button type="submit" disabled={busy}>{busy ? 'Adding…' : 'Add domain'}</button>
    </form>
  );
}

/** The two redirects of a domain, under its row; its host name stays (its short URLs are out in the world). */
function EditDomain({ domain, onSaved, onCancel }: { domain: Domain; onSaved: (domain: Domain) => void; onCancel: () => void }) {
  const form = useRef<HTMLFormElement>(null);
  const [root, setRoot] = useState(domain.root_redirect ?? '');
  const [notFound, setNotFound] = useState(domain.not_found_redirect ?? '');
  const { busy, errors, run } = useForm(REDIRECT_INPUTS);
  useEffect(() => form.current?.querySelector<HTMLInputElement>('input')?.focus(), []);

  const save = (event: Event) => {
    event.preventDefault();
    void run(form.current, async () => {
      const body = { root_redirect: redirectOf(root), not_found_redirect: redirectOf(notFound) };
      onSaved(await call<Domain>('PATCH', `/domains/${encodeURIComponent(domain.id)}`, { body }));
    });
  };

  return (
    <form ref={form} class="edit-domain" aria-label={`Edit ${domain.hostname}`} onSubmit={save} noValidate>
      <Field label={`Root redirect of ${domain.hostname}`} name="root_redirect" type="url" inputMode="url" autoComplete="off"
        hint="Empty: a 404 page." value={root} onInput={(e) => setRoot(e.currentTarget.value)} error={errors.fields.root_redirect} />
      <Field label={`Not-found redirect of ${domain.hostname}`} name="not_found_redirect" type="url" inputMode="url" autoComplete="off"
        hint="Empty: a 404 page." value={notFound} onInput={(e) => setNotFound(e.currentTarget.value)} error={errors.fields.not_found_redirect} />
      <Alert message={errors.message} />
      <button type="submit" disabled={busy}>{busy ? 'Saving…' : 'Save'}</button>{' '}
      <button type="button" class="secondary" onClick={onCancel} disabled={busy}>Cancel</button>
    </form>
  );
}

/** Edit opens the form under the row; Delete asks once more, and says why when the domain still has links. */
function RowActions({ domain, editing, onEdit, onDeleted }: { domain: Domain; editing: boolean; onEdit: () => void; onDeleted: () => void }) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const confirmButton = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (confirming) confirmButton.current?.focus();
  }, [confirming]);

  const remove = async () => {
    setBusy(true);
    setError(null);
    try {
      await call<void>('DELETE', `/domains/${encodeURIComponent(domain.id)}`);
      onDeleted();
    } catch (err) {
      setError(message(err, 'The domain could not be deleted.'));
      setBusy(false);
      setConfirming(false);
    }
  };

  return (
    <div class="inline-confirm">
      {confirming ? (
        <>
          <p>Delete {domain.hostname}?</p>
          <button type="button" class="danger small" ref={confirmButton} onClick={remove} disabled={busy}>
            {busy ? 'Deleting…' : 'Yes, delete'}<VisuallyHidden> {domain.hostname}</VisuallyHidden>
          </button>{' '}
          <button type="button" class="secondary small" onClick={() => setConfirming(false)} disabled={busy}>Cancel</button>
        </>
      ) : (
        <>
          <button type="button" id={editButtonId(domain)} class="secondary small" onClick={onEdit} disabled={editing} aria-expanded={editing}>
            Edit<VisuallyHidden> {domain.hostname}</VisuallyHidden>
          </button>{' '}
          <button type="button" class="danger small" onClick={() => { setError(null); setConfirming(true); }}>
            Delete<VisuallyHidden> {domain.hostname}</VisuallyHidden>
          </button>
        </>
      )}
      <Alert message={error} />
    </div>
  );
}

// A bound on the walk through the users list (100 a page): past it, owners show as their ids.
const MAX_USER_PAGES = 10;

/** The emails of the given users, from the admin's list of users; '' for those not found (asked once). */
async function ownerEmails(ids: string[]): Promise<Record<string, string>> {
  const wanted = new Set(ids);
  const found: Record<string, string> = Object.fromEntries(ids.map((id) => [id, '']));
  let cursor: string | null = null;
  try {
    for (let i = 0; i < MAX_USER_PAGES && wanted.size > 0; i++) {
      const page: ApiPage<User> = await call<ApiPage<User>>('GET', '/users', { query: { limit: 100, cursor } });
      for (const user of page.data) {
        if (wanted.delete(user.id)) found[user.id] = user.email;
      }
      if (!page.has_more || !page.next_cursor) break;
      cursor = page.next_cursor;
    }
  } catch {
    // The ids stay on show: an email is a convenience, not worth an error on the page.
  }
  return found;
}
