/**
 * Who is signed in, as a tiny store the components subscribe to. The token itself stays in api.ts;
 * this keeps the user (for the nav, the admin-only page and the sign-in guard).
 */
import { useEffect, useState } from 'preact/hooks';
import { call, endSession, forgetSession, onSessionLost, refreshSession, startSession } from './api';
import type { User } from './types';

export type Session =
  | { status: 'loading' }
  | { status: 'signed-out' }
  | { status: 'signed-in'; user: User };

let current: Session = { status: 'loading' };
const listeners = new Set<() => void>();

function set(next: Session): void {
  current = next;
  for (const listener of listeners) listener();
}

export function useSession(): Session {
  const [session, setSession] = useState(current);
  useEffect(() => {
    const listener = () => setSession(current);
    listeners.add(listener);
    listener(); // it may have changed between render and effect
    return () => void listeners.delete(listener);
  }, []);
  return session;
}

onSessionLost(() => {
  forgetSession();
  set({ status: 'signed-out' });
});

async function loadUser(): Promise<void> {
  set({ status: 'signed-in', user: await call<User>('GET', '/users/me') });
}

/** On page load: the HttpOnly cookie, if any, brings the session back without asking for a password. */
export async function restoreSession(): Promise<void> {
  try {
    if (await refreshSession()) await loadUser();
    else set({ status: 'signed-out' });
  } catch {
    // The server is unreachable: show the signed-out pages rather than spin; signing in says why.
    forgetSession();
    set({ status: 'signed-out' });
  }
}

export async function signIn(email: string, password: string): Promise<void> {
  await startSession(email, password);
  await loadUser();
}

/** Creates the account (the first one becomes admin), then signs in with it. */
export async function signUp(email: string, password: string, name: string): Promise<void> {
  // auth: false, so a signed-in admin's token never turns a sign-up into "create an account for someone".
  await call('POST', '/users', { body: { email, password, ...(name && { name }) }, auth: false });
  await signIn(email, password);
}

export async function signOut(): Promise<void> {
  try {
    await endSession();
  } finally {
    set({ status: 'signed-out' });
  }
}
