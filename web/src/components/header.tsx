import { useState } from 'preact/hooks';
import { Link, navigate } from '../router';
import { signOut, useSession } from '../session';

/** The site header: the pages a visitor may open, by what they are allowed to see. */
export function Header() {
  const session = useSession();
  const [leaving, setLeaving] = useState(false);

  const leave = async () => {
    setLeaving(true);
    // Signed out here even if the server cannot be reached; the cookie then expires on its own.
    await signOut().catch(() => {});
    setLeaving(false);
    navigate('/');
  };

  return (
    <header class="site-header">
      <Link href="/" class="brand">Kurz</Link>
      <nav aria-label="Main">
        <ul>
          <li><Link href="/">Home</Link></li>
          {session.status === 'signed-in' && (
            <>
              <li><Link href="/dashboard/links">Links</Link></li>
              <li><Link href="/dashboard/import">Import</Link></li>
              <li><Link href="/dashboard/keys">API keys</Link></li>
              {session.user.role === 'admin' && <li><Link href="/dashboard/users">Users</Link></li>}
              {session.user.role === 'admin' && <li><Link href="/dashboard/domains">Domains</Link></li>}
              <li>
                <button type="button" class="link-button" onClick={leave} disabled={leaving}>Sign out</button>
              </li>
            </>
          )}
          {session.status === 'signed-out' && (
            <>
              <li><Link href="/dashboard/signin">Sign in</Link></li>
              <li><Link href="/dashboard/signup">Sign up</Link></li>
            </>
          )}
        </ul>
      </nav>
    </header>
  );
}
