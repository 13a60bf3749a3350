import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, call } from '../api';
import { Alert } from '../components/alert';
import { BreakdownTable } from '../components/breakdown-table';
import { ClicksChart } from '../components/clicks-chart';
import { Field, SelectField } from '../components/field';
import { Page } from '../components/page';
import { QrCode } from '../components/qr-code';
import { localError, useForm } from '../form';
import { formatCount } from '../counts';
import { shortUrlOf, utcDateInput, utcDayStart } from '../format';
import { Link } from '../router';
import type { Interval, Link as ShortLink, Stats } from '../types';

interface Range {
  from: string;
  to: string;
  interval: Interval;
  includeBots: boolean;
}

/** The API's query for a range of whole UTC days (the buckets' days); `to` never past now. */
function statsQuery(range: Range) {
  const from = utcDayStart(range.from);
  const end = utcDayStart(range.to, 1);
  if (from === undefined || end === undefined) return undefined;
  return {
    from: new Date(from).toISOString(),
    to: new Date(Math.min(end, Date.now())).toISOString(),
    interval: range.interval,
    include_bots: range.includeBots,
  };
}

export function LinkStats({ id }: { id: string }) {
  const path = `/links/${encodeURIComponent(id)}`;
  const form = useRef<HTMLFormElement>(null);
  const [link, setLink] = useState<ShortLink | null>(null);
  const [linkError, setLinkError] = useState<string | null>(null);
  const [draft, setDraft] = useState<Range>({ from: utcDateInput(6), to: utcDateInput(0), interval: 'day', includeBots: false });
  const [shown, setShown] = useState<{ stats: Stats; interval: Interval } | null>(null);
  const { busy, errors, run, fail } = useForm({ from: 'from', to: 'to', interval: 'interval', include_bots: 'include_bots' });

  const load = (range: Range) => {
    const query = statsQuery(range);
    if (!query) return fail(form.current, localError({ [range.from ? 'to' : 'from']: 'needs a date' }));
    void run(form.current, async () => {
      setShown({ stats: await call<Stats>('GET', `${path}/stats`, { query }), interval: range.interval });
    });
  };

  useEffect(() => {
    call<ShortLink>('GET', path).then(setLink, (err: unknown) =>
      setLinkError(err instanceof ApiError && err.status === 404 ? 'This link does not exist, or it is not yours.'
        : err instanceof ApiError ? err.message : 'The link could not be loaded.'));
    load(draft);
  }, [path]);

  const submit = (event: Event) => {
    event.preventDefault();
    load(draft);
  };

  const short = link ? shortUrlOf(link) : null;
  return (
    <Page title={link ? `Stats for /${link.code}` : 'Stats'}>
      <Alert message={linkError} />
      {link && short && (
        <p class="muted">
          <a href={short}>{short}</a> → <span class="break">{link.url}</span> ·{' '}
          <Link href={`/dashboard/links/${encodeURIComponent(link.id)}`}>Edit</Link>
        </p>
      )}
      {link && link.imported_clicks > 0 && (
        <p data-testid="imported-clicks">
          Before import: {formatCount(link.imported_clicks)} {link.imported_clicks === 1 ? 'click' : 'clicks'}, counted by the
          shortener the link came from. The figures below are the clicks Kurz counted itself.
        </p>
      )}

      {/* An unknown link already says so above; its stats could only fail the same way. */}
      <form ref={form} hidden={Boolean(linkError)} class="stats-range" onSubmit={submit} noValidate>
        <Field label="From" name="from" type="date" value={draft.from}
          onInput={(e) => setDraft({ ...draft, from: e.currentTarget.value })} error={errors.fields.from} />
        <Field label="To" name="to" type="date" value={draft.to}
          onInput={(e) => setDraft({ ...draft, to: e.currentTarget.value })} error={errors.fields.to} />
        <SelectField label="Interval" name="interval" value={draft.interval} error={errors.fields.interval}
          onInput={(e) => setDraft({ ...draft, interval: e.currentTarget.value as Interval })}>
          <option value="day">Day</option>
          <option value="hour">Hour</option>
        </SelectField>
        <div class="field checkbox">
          <input id="include-bots" type="checkbox" name="include_bots" checked={draft.includeBots}
            onChange={(e) => setDraft({ ...draft, includeBots: e.currentTarget.checked })} />
          <label for="include-bots">Include bots</label>
        </div>
        <button type="submit" disabled={busy}>{busy ? 'Loading…' : 'Show'}</button>
        <p class="hint range-hint">Days are UTC days, as clicks are counted; both dates are included.</p>
        <Alert message={errors.message} />
      </form>

      {shown && !linkError && (
        <>
          <p class="total">
            Total clicks: <strong data-testid="total-clicks">{shown.stats.total}</strong>
          </p>
          <section>
            <h2>Clicks over time</h2>
            <ClicksChart series={shown.stats.series} interval={shown.interval} />
          </section>
          <section>
            <h2>Where the clicks came from</h2>
            <div class="breakdowns">
              <BreakdownTable caption="Referrers" column="Referrer" rows={shown.stats.referrers} />
              <BreakdownTable caption="Countries" column="Country" rows={shown.stats.countries} />
              <BreakdownTable caption="Browsers" column="Browser" rows={shown.stats.browsers} />
              <BreakdownTable caption="Operating systems" column="OS" rows={shown.stats.os} />
              <BreakdownTable caption="Devices" column="Device" rows={shown.stats.devices} />
            </div>
          </section>
          <RoutingBreakdowns stats={shown.stats} />
        </>
      )}

      {link && short && (
        <section>
          <h2>QR code</h2>
          <QrCode linkId={link.id} code={link.code} shortUrl={short} />
        </section>
      )}
    </Page>
  );
}

/**
 * Where routed visits went: by destination URL and by the rule that decided (1-based, as the edit page
 * numbers rules). Shown only for a link that was routed in the range.
 */
function RoutingBreakdowns({ stats }: { stats: Stats }) {
  const { destinations, rules } = stats;
  if (destinations.length === 0 && rules.length === 0) return null;
  return (
    <section>
      <h2>Where the routing sent them</h2>
      <div class="breakdowns">
        {destinations.length > 0 && (
          <BreakdownTable caption="Destinations" column="URL" rows={destinations.map((d) => ({ value: d.url, clicks: d.clicks }))} />
        )}
        {rules.length > 0 && (
          <BreakdownTable caption="Rules" column="Rule" rows={rules.map((r) => ({ value: r.rule === null ? 'No rule' : `Rule ${r.rule + 1}`, clicks: r.clicks }))} />
        )}
      </div>
    </section>
  );
}
