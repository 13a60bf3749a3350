import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, call } from '../api';
import { Alert, Status } from '../components/alert';
import { CopyButton } from '../components/copy-button';
import { DomainSelect } from '../components/domain-select';
import { Field, SelectField } from '../components/field';
import { Page } from '../components/page';
import { QrCode } from '../components/qr-code';
import { useDomains } from '../domains';
import { localError, useForm } from '../form';
import { clicksText } from '../counts';
import { formatTime, shortUrlOf } from '../format';
import { OPTION_INPUTS, PASSWORD_MAX, changesOf, draftOf, type LinkDraft } from '../link-form';
import { VisuallyHidden } from '../components/visually-hidden';
import { LinkOptionsFields } from '../components/link-options-fields';
import { FieldGroup } from '../components/field-group';
import { OgFields } from '../components/og-fields';
import { RulesEditor } from '../components/rules-editor';
import { RulesTest } from '../components/rules-test';
import { SplitEditor } from '../components/split-editor';
import { routingChangesOf, routingDraftOf, routingInputOf, type RoutingDraft } from '../routing-form';
import { Link, navigate } from '../router';
import { REDIRECT_TYPES, type Link as ShortLink } from '../types';

const REDIRECT_NAMES: Record<number, string> = {
  301: '301 Moved Permanently',
  302: '302 Found (default)',
  307: '307 Temporary Redirect',
  308: '308 Permanent Redirect',
};

/** Loads a link, then its edit form; a missing one (or another user's) is a 404, said in words. */
export function LinkEdit({ id }: { id: string }) {
  const [link, setLink] = useState<ShortLink | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setLink(null);
    setError(null);
    call<ShortLink>('GET', `/links/${encodeURIComponent(id)}`).then(setLink, (err: unknown) =>
      setError(err instanceof ApiError && err.status === 404 ? 'This link does not exist, or it is not yours.'
        : err instanceof ApiError ? err.message : 'The link could not be loaded.'));
  }, [id]);

  if (!link) {
    return (
      <Page title="Edit link">
        {error ? <Alert message={error} /> : <p class="muted">Loading…</p>}
        <p><Link href="/dashboard/links">Back to your links</Link></p>
      </Page>
    );
  }
  return <EditForm link={link} onSaved={setLink} />;
}

function EditForm({ link, onSaved }: { link: ShortLink; onSaved: (link: ShortLink) => void }) {
  const form = useRef<HTMLFormElement>(null);
  const [draft, setDraft] = useState<LinkDraft>(() => draftOf(link));
  const [routing, setRouting] = useState<RoutingDraft>(() => routingDraftOf(link));
  const [status, setStatus] = useState<string | null>(null);
  /** A protected link shows its state; Change opens the field for a new password. */
  const [changingPassword, setChangingPassword] = useState(false);
  const { busy, errors, run, fail, clear } = useForm({
    url: 'url', code: 'code', title: 'title', tags: 'tags', expires_at: 'expires_at', max_clicks: 'max_clicks', redirect_type: 'redirect_type',
    password: 'password',
    ...OPTION_INPUTS,
    domain: 'domain',
  }, (field) => routingInputOf(field, routing));
  const domains = useDomains();
  const short = shortUrlOf(link);
  const bind = (name: keyof LinkDraft) => ({
    name,
    value: draft[name],
    onInput: (e: { currentTarget: { value: string } }) => setDraft((d) => ({ ...d, [name]: e.currentTarget.value })),
    error: errors.fields[name],
  });

  /**
   * A new draft of the routing fields. Errors name rules and arms by position: once one is added,
   * removed or moved they would sit under the wrong one, so they go (Save checks again).
   */
  const editRouting = (next: Partial<RoutingDraft>) => {
    if (shapeOf({ ...routing, ...next }) !== shapeOf(routing)) clear();
    setRouting((r) => ({ ...r, ...next }));
  };
  const failed = (prefix: string) => Object.keys(errors.fields).some((name) => name.startsWith(prefix));
  const routed = routingChangesOf(link, routing);
  const routingDirty = !routed.ok || routed.body.rules !== undefined || routed.body.destinations !== undefined;

  const save = (event: Event) => {
    event.preventDefault();
    setStatus(null);
    const changes = changesOf(link, draft);
    const routed = routingChangesOf(link, routing);
    if (!changes.ok || !routed.ok) {
      return fail(form.current, localError({ ...(changes.ok ? {} : changes.fields), ...(routed.ok ? {} : routed.fields) }));
    }
    const body = { ...changes.body, ...routed.body };
    if (Object.keys(body).length === 0) return setStatus('Nothing to save: no field has changed.');
    void run(form.current, async () => {
      const saved = await call<ShortLink>('PATCH', `/links/${encodeURIComponent(link.id)}`, { body });
      onSaved(saved);
      setDraft(draftOf(saved));
      setRouting(routingDraftOf(saved));
      setChangingPassword(false);
      setStatus('Saved.');
    });
  };

  /** At once, not with Save: there is no field to empty for it (an empty password field means "unchanged"). */
  const removePassword = () => {
    setStatus(null);
    void run(form.current, async () => {
      const saved = await call<ShortLink>('PATCH', `/links/${encodeURIComponent(link.id)}`, { body: { password: null } });
      onSaved(saved);
      setDraft((d) => ({ ...d, password: '' }));
      setChangingPassword(false);
      setStatus('Password removed: the link opens for everyone.');
    });
  };

  return (
    <Page title="Edit link">
      <p class="short-url-row">
        <a href={short} class="short-url">{short}</a>
        <CopyButton text={short} />
      </p>
      <p class="muted">
        {clicksText(link)} · created {formatTime(link.created_at)} ·{' '}
        <Link href={`/dashboard/links/${encodeURIComponent(link.id)}/stats`}>Stats</Link>
      </p>

      <form ref={form} class="link-form" onSubmit={save} noValidate>
        <Field label="Destination URL" type="url" inputMode="url" required
          hint={hasUtm(link) ? 'Shown without its UTM parameters, which have fields of their own below.' : undefined} {...bind('url')} />
        <Field label="Code" type="text" autoCapitalize="off" spellcheck={false}
          hint="What follows the slash: 3 to 64 letters, digits, _ or -." {...bind('code')} />
        <DomainSelect domains={domains} hint="Another domain changes the short URL: the old one stops working." {...bind('domain')} />
        <Field label="Title" type="text" {...bind('title')} />
        <Field label="Tags" type="text" hint="Separated by commas." {...bind('tags')} />
        <Field label="Expires at" type="datetime-local" hint="Your local time. Leave empty for never." {...bind('expires_at')} />
        <Field label="Max clicks" type="number" inputMode="numeric" min={1} step={1}
          hint="The link stops working after this many clicks. Leave empty for no limit." {...bind('max_clicks')} />
        <SelectField label="Redirect type" {...bind('redirect_type')}>
          {REDIRECT_TYPES.map((t) => <option key={t} value={String(t)}>{REDIRECT_NAMES[t]}</option>)}
        </SelectField>
        {link.has_password && !changingPassword ? (
          <div class="field password-state">
            <p class="protected"><span aria-hidden="true">🔒 </span>Protected by a password</p>
            <button type="button" class="secondary small" onClick={() => setChangingPassword(true)} disabled={busy}>
              Change<VisuallyHidden> password</VisuallyHidden>
            </button>{' '}
            <button type="button" class="secondary small" onClick={removePassword} disabled={busy}>
              Remove<VisuallyHidden> password</VisuallyHidden>
            </button>
          </div>
        ) : (
          <Field
            label={link.has_password ? 'New password' : 'Password'}
            type="password"
            autoComplete="new-password"
            maxLength={PASSWORD_MAX}
            autoFocus={changingPassword}
            hint={link.has_password
              ? 'Saved with the form. The old password, and every browser it unlocked, stop working.'
              : 'Optional: visitors must enter it before they are sent on. 4 to 256 characters.'}
            {...bind('password')}
          />
        )}
        <LinkOptionsFields bind={bind} utm={draft} />
        <FieldGroup summary="Routing rules (device, language, country …)" set={routing.rules.length > 0} failed={failed('rules.')}>
          <RulesEditor rules={routing.rules} onChange={(rules) => editRouting({ rules })} errors={errors.fields} />
        </FieldGroup>
        <FieldGroup summary="A/B split" set={routing.destinations.length > 0} failed={failed('destinations.')}>
          <SplitEditor destinations={routing.destinations} onChange={(destinations) => editRouting({ destinations })}
            errors={errors.fields} />
        </FieldGroup>
        <FieldGroup summary="Link preview (Open Graph)" set={Object.values(routing.og).some((v) => v !== '')} failed={failed('og.')}>
          <OgFields og={routing.og} onChange={(og) => editRouting({ og })} errors={errors.fields} />
        </FieldGroup>
        <Alert message={errors.message} />
        <Status message={status} />
        <button type="submit" disabled={busy}>{busy ? 'Saving…' : 'Save'}</button>
      </form>

      {/* Without saved rules or a split every visit goes to the URL: nothing to test. */}
      {(link.rules.length > 0 || link.destinations.length > 0) && (
        <section>
          <h2 id="rules-test-heading">Test the rules</h2>
          <RulesTest linkId={link.id} dirty={routingDirty} />
        </section>
      )}

      <section>
        <h2>QR code</h2>
        <QrCode linkId={link.id} code={link.code} shortUrl={short} />
      </section>

      <ArchiveLink link={link} onSaved={onSaved} />

      <DeleteLink link={link} />
    </Page>
  );
}

/** The rules, their conditions and the split's arms by their keys, in order: what errors' positions refer to. */
const shapeOf = (r: RoutingDraft) => JSON.stringify([r.rules.map((x) => [x.key, x.conditions.map((c) => c.key)]), r.destinations.map((d) => d.key)]);

const hasUtm = (link: ShortLink) => link.utm !== null && Object.keys(link.utm).length > 0;

/** Archiving hides a link from the list without stopping it; one click either way, said in a status. */
function ArchiveLink({ link, onSaved }: { link: ShortLink; onSaved: (link: ShortLink) => void }) {
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const toggle = async () => {
    setBusy(true);
    setError(null);
    setStatus(null);
    try {
      const saved = await call<ShortLink>('PATCH', `/links/${encodeURIComponent(link.id)}`, { body: { archived: !link.archived } });
      onSaved(saved);
      setStatus(saved.archived ? 'Archived. The short URL still works; the link is listed under archived links.' : 'Unarchived. The link is back in your list.');
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'The link could not be changed.');
    } finally {
      setBusy(false);
    }
  };

  return (
    <section>
      <h2>Archive</h2>
      <p class="muted">
        {link.archived
          ? 'This link is archived: hidden from your links, still redirecting.'
          : 'Archiving hides the link from your list. Its short URL keeps working.'}
      </p>
      <button type="button" class="secondary" onClick={toggle} disabled={busy}>
        {busy ? 'Saving…' : link.archived ? 'Unarchive link' : 'Archive link'}
      </button>
      <Alert message={error} />
      <Status message={status} />
    </section>
  );
}

/** Deleting takes two clicks: the second button only appears after the first, with what it will do. */
function DeleteLink({ link }: { link: ShortLink }) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const cancelButton = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (confirming) cancelButton.current?.focus();
  }, [confirming]);

  const remove = async () => {
    setBusy(true);
    setError(null);
    try {
      await call<void>('DELETE', `/links/${encodeURIComponent(link.id)}`);
      navigate('/dashboard/links');
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'The link could not be deleted.');
      setBusy(false);
    }
  };

  return (
    <section class="danger-zone">
      <h2>Delete</h2>
      {confirming ? (
        <div class="confirm">
          <p>Delete /{link.code}? Its short URL will stop working. This cannot be undone.</p>
          <button type="button" class="danger" onClick={remove} disabled={busy}>{busy ? 'Deleting…' : 'Yes, delete'}</button>{' '}
          <button type="button" class="secondary" ref={cancelButton} onClick={() => setConfirming(false)} disabled={busy}>Cancel</button>
        </div>
      ) : (
        <button type="button" class="danger" onClick={() => setConfirming(true)}>Delete link</button>
      )}
      <Alert message={error} />
    </section>
  );
}
