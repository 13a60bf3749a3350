import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, call } from '../api';
import { Alert } from '../components/alert';
import { Field } from '../components/field';
import { Page } from '../components/page';
import { VisuallyHidden } from '../components/visually-hidden';
import { clicksText } from '../counts';
import { formatDate, shortUrlOf, withoutScheme } from '../format';
import { Link } from '../router';
import type { Link as ShortLink, Page as ApiPage } from '../types';

interface Filter {
  q: string;
  tag: string;
  /** Archived links only, in place of the others (the API lists one or the other). */
  archived: boolean;
}

const NO_FILTER: Filter = { q: '', tag: '', archived: false };

/** The user's links, newest first, a page at a time over the API's cursor. */
export function Links() {
  const [draft, setDraft] = useState<Filter>(NO_FILTER);
  const [filter, setFilter] = useState<Filter>(NO_FILTER);
  const [links, setLinks] = useState<ShortLink[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  // Answers to an older filter arrive late sometimes; only the newest request may write the list.
  const generation = useRef(0);

  const load = async (cursor: string | null) => {
    const mine = cursor ? generation.current : ++generation.current;
    setLoading(true);
    setError(null);
    try {
      const page = await call<ApiPage<ShortLink>>('GET', '/links', {
        query: { limit: 20, q: filter.q.trim(), tag: filter.tag.trim(), archived: filter.archived ? 'true' : '', cursor },
      });
      if (mine !== generation.current) return;
      setLinks((before) => (cursor ? [...before, ...page.data] : page.data));
      setNext(page.has_more ? page.next_cursor : null);
    } catch (err) {
      if (mine === generation.current) setError(err instanceof ApiError ? err.message : 'The links could not be loaded.');
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  };

  useEffect(() => {
    void load(null);
  }, [filter]);

  const search = (event: Event) => {
    event.preventDefault();
    setFilter({ ...draft });
  };
  const filtered = Boolean(filter.q.trim() || filter.tag.trim());
  // The checkbox applies at once, with the search as it stands in the fields.
  const showArchived = (archived: boolean) => {
    setDraft({ ...draft, archived });
    setFilter({ ...draft, archived });
  };

  return (
    <Page title={filter.archived ? 'Your archived links' : 'Your links'}>
      <form role="search" aria-label="Filter links" class="filters" onSubmit={search} noValidate>
        <Field label="Search" name="q" type="search" hint="Part of the URL, code or title."
          value={draft.q} onInput={(e) => setDraft({ ...draft, q: e.currentTarget.value })} />
        <Field label="Tag" name="tag" type="text"
          value={draft.tag} onInput={(e) => setDraft({ ...draft, tag: e.currentTarget.value })} />
        <div class="filter-actions">
          <button type="submit">Search</button>
          {filtered && (
            <button type="button" class="secondary" onClick={() => { setDraft({ ...NO_FILTER, archived: filter.archived }); setFilter({ ...NO_FILTER, archived: filter.archived }); }}>
              Clear
            </button>
          )}
        </div>
        <div class="checkbox">
          <input id="show-archived" type="checkbox" checked={draft.archived} onChange={(e) => showArchived(e.currentTarget.checked)} />
          <label for="show-archived">Show archived links instead</label>
        </div>
      </form>
      <p><Link href="/" class="button secondary">Shorten a new URL</Link></p>
      <Alert message={error} />
      {links.length > 0 ? (
        <ul class="link-list">
          {links.map((link) => <LinkItem key={link.id} link={link} />)}
        </ul>
      ) : (
        !loading && !error && (
          <p class="empty">{filtered ? 'No link matches this search.' : filter.archived ? 'No archived links.' : 'No links yet.'}</p>
        )
      )}
      {loading && <p class="muted" role="status">Loading links…</p>}
      {next && !loading && (
        <button type="button" class="secondary" onClick={() => void load(next)}>More</button>
      )}
    </Page>
  );
}

function LinkItem({ link }: { link: ShortLink }) {
  const short = shortUrlOf(link);
  const base = `/dashboard/links/${encodeURIComponent(link.id)}`;
  return (
    <li class={link.archived ? 'card link-item archived' : 'card link-item'}>
      <p class="link-short">
        <a href={short}>{withoutScheme(short)}</a>
        {link.has_password && (
          <span class="lock" title="Protected by a password"><span aria-hidden="true"> 🔒</span><VisuallyHidden> (protected by a password)</VisuallyHidden></span>
        )}
      </p>
      {link.title && <p class="link-title">{link.title}</p>}
      <p class="link-target" title={link.url}>{link.url}</p>
      {link.tags.length > 0 && (
        <ul class="tags">
          {link.tags.map((tag) => <li key={tag} class="tag">{tag}</li>)}
        </ul>
      )}
      <p class="link-meta muted">
        {clicksText(link)} · created {formatDate(link.created_at)}{link.archived && ' · archived'}
      </p>
      <p class="link-actions">
        <Link href={base}>Edit<VisuallyHidden> {link.code}</VisuallyHidden></Link>
        <Link href={`${base}/stats`}>Stats<VisuallyHidden> for {link.code}</VisuallyHidden></Link>
      </p>
    </li>
  );
}
