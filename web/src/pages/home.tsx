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
import { shortUrlOf } from '../format';
import { PASSWORD_MAX, passwordProblem } from '../link-form';
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
  const [url, setUrl] = useState('');
  const [password, setPassword] = useState('');
  const [created, setCreated] = useState<ShortLink | null>(null);
  const domains = useDomains();
  /** '' until the user picks one: the default domain, which the API uses when none is named. */
  const [domain, setDomain] = useState('');
  const { busy, errors, run, fail } = useForm({ url: 'url', password: 'password', domain: 'domain' });

  const submit = (event: Event) => {
    event.preventDefault();
    // Optional: empty means no password. Not trimmed: spaces may be part of it.
    const problem = password === '' ? undefined : passwordProblem(password);
    if (problem) return fail(form.current, localError({ password: problem }));
    void run(form.current, async () => {
      setCreated(null);
      const body = password === '' ? { url: url.trim() } : { url: url.trim(), password };
      setCreated(await call<ShortLink>('POST', '/links', { body: { ...body, ...(domain && { domain }) } }));
      setUrl('');
      setPassword('');
    });
  };

  return (
    <Page title="Shorten a URL">
      <form ref={form} class="shorten" onSubmit={submit} noValidate>
        <Field
          label="Long URL"
          name="url"
          type="url"
          inputMode="url"
          autoComplete="off"
          placeholder="https://example.com/a/very/long/path"
          required
          value={url}
          onInput={(e) => setUrl(e.currentTarget.value)}
          error={errors.fields.url}
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
