import { Page } from '../components/page';
import { Link } from '../router';

export function NotFound() {
  return (
    <Page title="Page not found">
      <p>There is no dashboard page at this address.</p>
      <p><Link href="/">Go to the home page</Link></p>
    </Page>
  );
}
