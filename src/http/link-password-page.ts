import { createHash } from 'node:crypto';
import { escapeHtml, htmlPage } from './html.js';

/**
 * The page a visitor of a password-protected link gets at the short URL itself: one form, POSTed to
 * the same path, no script at all (it works in a text browser, and the CSP below allows none). The
 * look is the dashboard's: the colours and font of web/src/styles.css (a unit test holds them equal),
 * inlined, since `default-src 'none'` loads nothing, and allowed by their hash.
 */
const STYLE = `:root{color-scheme:light dark;--bg:#ffffff;--surface:#f5f6f8;--text:#1b1f24;--muted:#57606a;--border:#d0d7de;\
--accent:#1d4ed8;--accent-text:#ffffff;--danger:#b42318;--danger-bg:#fdecea;--focus:#e36209;--radius:6px;\
font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;font-size:16px;line-height:1.5;\
background:var(--bg);color:var(--text)}\
@media (prefers-color-scheme:dark){:root{--bg:#0f1419;--surface:#1a2129;--text:#e6edf3;--muted:#9da7b3;--border:#3a444f;\
--accent:#6ea8fe;--accent-text:#0f1419;--danger:#ff8a80;--danger-bg:#3b1d1a;--focus:#ffa657}}\
*,*::before,*::after{box-sizing:border-box}body{margin:0}\
main{max-width:24rem;margin:3rem auto;padding:1rem;border:1px solid var(--border);background:var(--surface);border-radius:var(--radius)}\
h1{font-size:1.5rem;margin:0 0 1rem}p{margin:0 0 1rem}\
label{display:block;font-weight:600;margin-bottom:.25rem}\
input,button{font:inherit;border-radius:var(--radius)}\
input{width:100%;padding:.5rem .625rem;border:1px solid var(--border);background:var(--bg);color:var(--text);margin-bottom:1rem}\
[aria-invalid="true"]{border-color:var(--danger);border-width:2px}\
.error{padding:.75rem 1rem;border-left:4px solid var(--danger);background:var(--danger-bg);border-radius:var(--radius);font-weight:600}\
button{padding:.5rem 1rem;border:1px solid var(--accent);background:var(--accent);color:var(--accent-text);cursor:pointer}\
:focus-visible{outline:3px solid var(--focus);outline-offset:2px}`;

/** The stylesheet above, as served: exported for the test that compares it with the dashboard's. */
export const PASSWORD_PAGE_STYLE = STYLE;

const STYLE_HASH = createHash('sha256').update(STYLE).digest('base64');

/**
 * Nothing but the inline stylesheet (by its hash) may load or run, and no page may frame this one (a
 * framed form invites clickjacking the password). No `form-action 'self'`: Chromium applies form-action
 * to the redirects that follow a form's post too, so the right password's 303 to the target (another
 * origin) was blocked ("Sending form data to … violates … form-action 'self'", seen in
 * test/e2e/dashboard-password.test.ts), and naming the target's origin here would show it to anyone
 * who has not given the password. What form-action guards against, markup injected into the page that
 * posts the password elsewhere, cannot happen here: the page has no script and escapes the one value
 * it is given, its own path.
 */
export const PASSWORD_PAGE_HEADERS = Object.freeze({
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': `default-src 'none'; style-src 'sha256-${STYLE_HASH}'; base-uri 'none'; frame-ancestors 'none'`,
  // The page differs by visitor (an error, a wait) and must never be served from a shared cache.
  'cache-control': 'private, no-store',
  'referrer-policy': 'no-referrer',
});

/** Why the form is shown again: a wrong password, or too many wrong ones (then how long to wait). */
export type PasswordProblem = { kind: 'wrong' } | { kind: 'wait'; seconds: number };

/** The message of a problem, in words a visitor reads. */
export function problemMessage(problem: PasswordProblem): string {
  if (problem.kind === 'wrong') return 'Wrong password. Please try again.';
  const { seconds } = problem;
  return `Too many tries. Try again in ${seconds} ${seconds === 1 ? 'second' : 'seconds'}.`;
}

/**
 * The page, for the link at `path` (/abc123). The error, when there is one, is linked to the input by
 * aria-describedby and marks it aria-invalid, so a screen reader reads it with the field; it is a
 * paragraph before the form too, where a text browser shows it first.
 */
export function passwordPage(path: string, problem?: PasswordProblem): string {
  const action = escapeHtml(path);
  const error = problem ? `<p class="error" id="password-error" role="alert">${escapeHtml(problemMessage(problem))}</p>\n` : '';
  const invalid = problem ? ' aria-invalid="true" aria-describedby="password-error"' : '';
  return htmlPage({
    title: 'Password required', heading: 'This link is protected by a password', style: STYLE, head: '<meta name="robots" content="noindex">\n',
    // Unnamed: a landmark named "… protected by a password" would answer to the label "Password" beside the input.
    named: false,
    main: `<p>Enter the password to continue to its destination.</p>
${error}<form method="post" action="${action}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required maxlength="256" autofocus${invalid}>
<button type="submit">Continue</button>
</form>
`,
  });
}
