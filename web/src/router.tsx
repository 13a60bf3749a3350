/**
 * A router of a few lines over the History API: the dashboard has eight pages and needs no nesting,
 * loaders or transitions, so a dependency would cost more than it brings.
 */
import type { AnchorHTMLAttributes, TargetedMouseEvent } from 'preact';
import { useEffect, useState } from 'preact/hooks';

export interface Location {
  path: string;
  search: URLSearchParams;
}

const listeners = new Set<() => void>();
let navigated = false;

function read(): Location {
  // One form per page: /dashboard/links/ and /dashboard/links are the same page.
  const path = location.pathname.replace(/\/+$/, '') || '/';
  return { path, search: new URLSearchParams(location.search) };
}

function notify(): void {
  navigated = true;
  for (const listener of listeners) listener();
}

addEventListener('popstate', notify);

export function navigate(to: string, { replace = false } = {}): void {
  if (replace) history.replaceState(null, '', to);
  else {
    history.pushState(null, '', to);
    scrollTo(0, 0);
  }
  notify();
}

/** True once the user has moved between pages: then a new page takes focus (see Page). */
export const hasNavigated = (): boolean => navigated;

export function useLocation(): Location {
  const [where, setWhere] = useState(read);
  useEffect(() => {
    const listener = () => setWhere(read());
    listeners.add(listener);
    return () => void listeners.delete(listener);
  }, []);
  return where;
}

/** `/dashboard/links/:id` against a path: its parameters, or null when it does not match. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const part = want[i]!;
    if (part.startsWith(':')) {
      try {
        params[part.slice(1)] = decodeURIComponent(got[i]!);
      } catch {
        return null;
      }
    } else if (part !== got[i]) return null;
  }
  return params;
}

/** An <a> that changes page without reloading; modified clicks (new tab, download) stay the browser's. */
export function Link(props: AnchorHTMLAttributes & { href: string }) {
  const { pathname } = new URL(props.href, location.origin);
  const current = read().path === (pathname.replace(/\/+$/, '') || '/');
  const onClick = (event: TargetedMouseEvent<HTMLAnchorElement>) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(props.href);
  };
  return <a aria-current={current ? 'page' : undefined} {...props} onClick={onClick} />;
}

export function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return null;
}

/** Where to go after signing in: only a path of this site, never `//elsewhere` or a full URL. */
export function safeNext(next: string | null, fallback = '/'): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : fallback;
}
