import type { VNode } from 'preact';
import { Redirect, useLocation } from '../router';
import { useSession } from '../session';
import type { User } from '../types';

/** Renders `children` for a signed-in user; otherwise sends them to sign in and back here after. */
export function RequireSession({ children }: { children: (user: User) => VNode }) {
  const session = useSession();
  const { path, search } = useLocation();
  if (session.status === 'loading') return <p class="muted">Loading…</p>;
  if (session.status === 'signed-out') {
    const query = search.toString();
    const here = path + (query ? `?${query}` : '');
    return <Redirect to={`/dashboard/signin?next=${encodeURIComponent(here)}`} />;
  }
  return children(session.user);
}
