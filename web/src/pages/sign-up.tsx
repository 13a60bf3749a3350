import { useRef, useState } from 'preact/hooks';
import { Alert } from '../components/alert';
import { Field } from '../components/field';
import { Page } from '../components/page';
import { useForm } from '../form';
import { Link, Redirect, navigate, safeNext, useLocation } from '../router';
import { signUp, useSession } from '../session';

export function SignUp() {
  const session = useSession();
  const { search } = useLocation();
  const next = safeNext(search.get('next'));
  const form = useRef<HTMLFormElement>(null);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [name, setName] = useState('');
  const { busy, errors, run } = useForm({ email: 'email', password: 'password', name: 'name' });

  if (session.status === 'signed-in' && !busy) return <Redirect to={next} />;

  const submit = (event: Event) => {
    event.preventDefault();
    void run(form.current, async () => {
      await signUp(email.trim(), password, name.trim());
      navigate(next, { replace: true });
    });
  };

  return (
    <Page title="Create an account">
      <form ref={form} class="narrow" onSubmit={submit} noValidate>
        <Field label="Email" name="email" type="email" autoComplete="email" required
          value={email} onInput={(e) => setEmail(e.currentTarget.value)} error={errors.fields.email} />
        <Field label="Password" name="password" type="password" autoComplete="new-password" required minLength={8}
          hint="At least 8 characters." value={password} onInput={(e) => setPassword(e.currentTarget.value)}
          error={errors.fields.password} />
        <Field label="Name (optional)" name="name" type="text" autoComplete="name"
          value={name} onInput={(e) => setName(e.currentTarget.value)} error={errors.fields.name} />
        <Alert message={errors.message} />
        <button type="submit" disabled={busy}>{busy ? 'Creating account…' : 'Create account'}</button>
      </form>
      <p>Already have an account? <Link href="/dashboard/signin">Sign in</Link>.</p>
    </Page>
  );
}
