import { useRef, useState } from 'preact/hooks';
import { Alert } from '../components/alert';
import { Field } from '../components/field';
import { Page } from '../components/page';
import { useForm } from '../form';
import { Link, Redirect, navigate, safeNext, useLocation } from '../router';
import { signIn, useSession } from '../session';

export function SignIn() {
  const session = useSession();
  const { search } = useLocation();
  const next = safeNext(search.get('next'));
  const form = useRef<HTMLFormElement>(null);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const { busy, errors, run } = useForm({ email: 'email', password: 'password' });

  if (session.status === 'signed-in') return <Redirect to={next} />;

  const submit = (event: Event) => {
    event.preventDefault();
    void run(form.current, async () => {
      await signIn(email.trim(), password);
      navigate(next, { replace: true });
    });
  };

  return (
    <Page title="Sign in">
      <form ref={form} class="narrow" onSubmit={submit} noValidate>
        <Field label="Email" name="email" type="email" autoComplete="username" required
          value={email} onInput={(e) => setEmail(e.currentTarget.value)} error={errors.fields.email} />
        <Field label="Password" name="password" type="password" autoComplete="current-password" required
          value={password} onInput={(e) => setPassword(e.currentTarget.value)} error={errors.fields.password} />
        <Alert message={errors.message} />
        <button type="submit" disabled={busy}>{busy ? 'Signing in…' : 'Sign in'}</button>
      </form>
      <p>No account yet? <Link href={`/dashboard/signup${next === '/' ? '' : `?next=${encodeURIComponent(next)}`}`}>Create one</Link>.</p>
    </Page>
  );
}
