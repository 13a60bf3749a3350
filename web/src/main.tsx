import { render } from 'preact';
import { App } from './app';
import { restoreSession } from './session';
import './styles.css';

// Before the first render settles: a returning visitor's cookie restores the session, and pages
// show "Loading…" instead of flashing the sign-in form.
void restoreSession();
render(<App />, document.getElementById('app')!);
