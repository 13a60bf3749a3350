import { useEffect, useState } from 'preact/hooks';
import { ApiError, call } from '../api';
import { Alert } from '../components/alert';
import { Page } from '../components/page';
import { formatTime } from '../format';
import type { Page as ApiPage, User } from '../types';

/** Every account, for admins; the API answers 403 to anyone else, so they get a sentence instead. */
export function Users({ me }: { me: User }) {
  if (me.role !== 'admin') {
    return (
      <Page title="Users">
        <p role="alert" class="alert">Only administrators can see the list of users.</p>
      </Page>
    );
  }
  return <UserList />;
}

function UserList() {
  const [users, setUsers] = useState<User[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);

  const load = async (cursor: string | null) => {
    setLoading(true);
    setError(null);
    try {
      const page = await call<ApiPage<User>>('GET', '/users', { query: { limit: 20, cursor } });
      setUsers((before) => (cursor ? [...before, ...page.data] : page.data));
      setNext(page.has_more ? page.next_cursor : null);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'The users could not be loaded.');
    } finally {
      setLoading(false);
    }
  };

  useEffect(() => {
    void load(null);
  }, []);

  return (
    <Page title="Users">
      <Alert message={error} />
      {users.length > 0 && (
        <div class="table-scroll">
          <table>
            <caption class="visually-hidden">Users</caption>
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Name</th>
                <th scope="col">Role</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {users.map((user) => (
                <tr key={user.id}>
                  <td class="break">{user.email}</td>
                  <td>{user.name ?? '—'}</td>
                  <td>{user.role}</td>
                  <td>{formatTime(user.created_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {loading && <p class="muted" role="status">Loading users…</p>}
      {next && !loading && <button type="button" class="secondary" onClick={() => void load(next)}>More</button>}
    </Page>
  );
}
