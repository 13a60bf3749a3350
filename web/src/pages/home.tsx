import { useRef, useState } from 'preact/hooks';
import { call } from '../api';
import { Alert } from '../components/alert';
import { CopyButton } from '../components/copy-button';
import { ShortenSeveral } from '../components/shorten-several';
import { DomainSelect } from '../components/domain-select';
import { Field } from '../components/field';
import { Page } from '../components/page';
import { defaultHostname, useDomains } from '../domains';
import { localError, useForm } from '../form';
import { LinkOptionsFields } from '../components/link-options-fields';
import { OPTION_INPUTS, PASSWORD_MAX, creationOf, emptyNewLink, passwordProblem, type NewLinkDraft } from '../link-form';
import { shortUrlOf } from '../format';
import { Link } from '../router';
import { useSession } from '../session';
import type { Link as ShortLink } from '../types';

export function Home() {
  const session = useSession();
  if (session.status === 'loading') return <Page title="Kurz"><p class="muted">Loading…</p></Page>;
  if (session.status === 'signed-out') return <Intro />;
  return <Shorten />;
}

function Intro() {
  return (
    <Page title="Kurz">
      <p class="lead">Kurz turns long URLs into short ones, redirects them, and shows you who clicked.</p>
      <p>
        <Link href="/dashboard/signin" class="button">Sign in</Link>{' '}
        <Link href="/dashboard/signup" class="button secondary">Create an account</Link>
      </p>
      <p class="muted">Programs can use the same service through the <a href="/docs">HTTP API</a>.</p>
    </Page>
  );
}

function Shorten() {
  const form = useRef<HTMLFormElement>(null);
  const [draft, setDraft] = useState<NewLinkDraft>(emptyNewLink);
  const [password, setPassword] = useState('');
  const [created, setCreated] = useState<ShortLink | null>(null);
  const domains = useDomains();
  /** '' until the user picks one: the default domain, which the API uses when none is named. */
  const [domain, setDomain] = useState('');
  const { busy, errors, run, fail } = useForm({ url: 'url', password: 'password', domain: 'domain', expires_at: 'expires_at', max_clicks: 'max_clicks', ...OPTION_INPUTS });
  const bind = (name: keyof NewLinkDraft) => ({
    name,
    value: draft[name],
    onInput: (e: { currentTarget: { value: string } }) => setDraft((d) => ({ ...d, [name]: e.currentTarget.value })),
    error: errors.fields[name],
  });
  // Options that failed or are set stay in view; otherwise they wait behind "More options".
  const optionsSet = Object.entries(draft).some(([name, value]) => name !== 'url' && value !== '');
  const optionsFailed = Object.keys(errors.fields).some((name) => name !== 'url' && name !== 'password' && name !== 'domain');
  const [optionsOpen, setOptionsOpen] = useState(false);

  const submit = (event: Event) => {
    event.preventDefault();
    const creation = creationOf(draft);
    // Optional: empty means no password. Not trimmed: spaces may be part of it.
    const problem = password === '' ? undefined : passwordProblem(password);
    if (!creation.ok || problem) return fail(form.current, localError({ ...(creation.ok ? {} : creation.fields), ...(problem ? { password: problem } : {}) }));
    void run(form.current, async () => {
      setCreated(null);
      const body = password === '' ? creation.body : { ...creation.body, password };
      setCreated(await call<ShortLink>('POST', '/links', { body: { ...body, ...(domain && { domain }) } }));
      setDraft(emptyNewLink());
      setPassword('');
    });
  };

  return (
    <Page title="Shorten a URL">
      <form ref={form} class="shorten" onSubmit={submit} noValidate>
        <Field
          label="Long URL"
          type="url"
          inputMode="url"
          autoComplete="off"
          placeholder="https://example.com/a/very/long/path"
          required
          {...bind('url')}
        />
        <DomainSelect domains={domains} value={domain || (defaultHostname(domains) ?? '')}
          onInput={(e) => setDomain(e.currentTarget.value)} error={errors.fields.domain} />
        <Field
          label="Password (optional)"
          name="password"
          type="password"
          autoComplete="new-password"
          maxLength={PASSWORD_MAX}
          hint="Visitors must enter it before they are sent on. 4 to 256 characters; leave empty for none."
          value={password}
          onInput={(e) => setPassword(e.currentTarget.value)}
          error={errors.fields.password}
        />
        <details class="field-group" open={optionsOpen || optionsSet || optionsFailed} onToggle={(e) => setOptionsOpen(e.currentTarget.open)}>
          <summary>More options: expiry, click limit, fallback, UTM</summary>
          <Field label="Expires at" type="datetime-local" hint="Your local time. Leave empty for never." {...bind('expires_at')} />
          <Field label="Max clicks" type="number" inputMode="numeric" min={1} step={1}
            hint="The link stops working after this many clicks. Leave empty for no limit." {...bind('max_clicks')} />
          <LinkOptionsFields bind={bind} utm={draft} />
        </details>
        <button type="submit" disabled={busy}>{busy ? 'Shortening…' : 'Shorten'}</button>
        <Alert message={errors.message} />
      </form>
      {created && <Result link={created} />}
      <ShortenSeveral />
    </Page>
  );
}

function Result({ link }: { link: ShortLink }) {
  const short = shortUrlOf(link);
  return (
    <section class="card result">
      <h2>Your short URL</h2>
      <p class="short-url-row">
        <a data-testid="short-url" href={short} class="short-url">{short}</a>
        <CopyButton text={short} />
      </p>
      <p class="muted target">{link.url}</p>
      {link.has_password && <p class="protected"><span aria-hidden="true">🔒 </span>Protected by a password</p>}
      <p>
        <Link href={`/dashboard/links/${encodeURIComponent(link.id)}`}>Edit</Link>{' · '}
        <Link href={`/dashboard/links/${encodeURIComponent(link.id)}/stats`}>Stats and QR code</Link>
      </p>
    </section>
  );
}
