import { useRef, useState } from 'preact/hooks';
import { call } from '../api';
import { Alert } from '../components/alert';
import { CopyButton } from '../components/copy-button';
import { ShortenSeveral } from '../components/shorten-several';
import { Field } from '../components/field';
import { Page } from '../components/page';
import { useForm } from '../form';
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
  const [url, setUrl] = useState('');
  const [created, setCreated] = useState<ShortLink | null>(null);
  const { busy, errors, run } = useForm({ url: 'url' });

  const submit = (event: Event) => {
    event.preventDefault();
    void run(form.current, async () => {
      setCreated(null);
      setCreated(await call<ShortLink>('POST', '/links', { body: { url: url.trim() } }));
      setUrl('');
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
      <p>
        <Link href={`/dashboard/links/${encodeURIComponent(link.id)}`}>Edit</Link>{' · '}
        <Link href={`/dashboard/links/${encodeURIComponent(link.id)}/stats`}>Stats and QR code</Link>
      </p>
    </section>
  );
}
