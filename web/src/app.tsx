import type { VNode } from 'preact';
import { Header } from './components/header';
import { RequireSession } from './components/require-session';
import { ApiKeys } from './pages/api-keys';
import { Domains } from './pages/domains';
import { Home } from './pages/home';
import { Imports } from './pages/imports';
import { LinkEdit } from './pages/link-edit';
import { LinkStats } from './pages/link-stats';
import { Links } from './pages/links';
import { NotFound } from './pages/not-found';
import { SignIn } from './pages/sign-in';
import { SignUp } from './pages/sign-up';
import { Users } from './pages/users';
import { Redirect, match, useLocation } from './router';

type Params = Record<string, string>;

/** Every page, by path; the server answers index.html for / and /dashboard/*, and this picks the page. */
const routes: [string, (params: Params) => VNode][] = [
  ['/', () => <Home />],
  ['/dashboard', () => <Redirect to="/dashboard/links" />],
  ['/dashboard/signin', () => <SignIn />],
  ['/dashboard/signup', () => <SignUp />],
  ['/dashboard/links', () => <RequireSession>{() => <Links />}</RequireSession>],
  ['/dashboard/links/:id', ({ id }) => <RequireSession>{() => <LinkEdit key={id} id={id!} />}</RequireSession>],
  ['/dashboard/links/:id/stats', ({ id }) => <RequireSession>{() => <LinkStats key={id} id={id!} />}</RequireSession>],
  ['/dashboard/import', () => <RequireSession>{() => <Imports />}</RequireSession>],
  ['/dashboard/keys', () => <RequireSession>{() => <ApiKeys />}</RequireSession>],
  ['/dashboard/users', () => <RequireSession>{(me) => <Users me={me} />}</RequireSession>],
  ['/dashboard/domains', () => <RequireSession>{(me) => <Domains me={me} />}</RequireSession>],
];

export function App() {
  const { path } = useLocation();
  let page: VNode = <NotFound />;
  for (const [pattern, render] of routes) {
    const params = match(pattern, path);
    if (params) {
      page = render(params);
      break;
    }
  }
  return (
    <>
      <a href="#main" class="skip-link">Skip to content</a>
      <Header />
      {/* keyed by path: a new page starts with fresh state, not the previous page's */}
      <main id="main" tabIndex={-1} key={path}>{page}</main>
      <footer class="site-footer">
        <p><a href="/docs">API documentation</a></p>
      </footer>
    </>
  );
}
