import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { ApiError, call, upload } from '../api';
import { Alert } from '../components/alert';
import { Field, SelectField } from '../components/field';
import { ImportReport } from '../components/import-report';
import { Page } from '../components/page';
import { VisuallyHidden } from '../components/visually-hidden';
import { useDomains } from '../domains';
import { localError, useForm } from '../form';
import { formatCount } from '../counts';
import { formatTime } from '../format';
import { IMPORT_CHOICES, STATUS_NAMES, formatName, percentRead, progressAnnouncement, upsertJob } from '../imports';
import type { Page as ApiPage, ImportFormat, ImportJob } from '../types';

// Often enough that a small file's report follows the upload at once, seldom enough to cost nothing.
const POLL_MS = 500;
// The past imports shown: one page of the API's list, the newest.
const PAST = 20;

const message = (err: unknown, fallback: string) => (err instanceof ApiError ? err.message : fallback);
const jobPath = (id: string) => `/imports/${encodeURIComponent(id)}`;

/**
 * Moving in from another shortener: the export file goes up as it is, the job runs on the server, and
 * this page follows it until its report. A job still running when the page opens (a reload) is followed too.
 */
export function Imports() {
  const [jobs, setJobs] = useState<ImportJob[] | null>(null);
  const [current, setCurrent] = useState<ImportJob | null>(null);
  const [listError, setListError] = useState<string | null>(null);
  const [pollError, setPollError] = useState<string | null>(null);
  const reportHeading = useRef<HTMLHeadingElement>(null);
  // Set when a report appears because of something the user did or waited for: then it takes focus.
  const focusReport = useRef(false);

  const show = (job: ImportJob) => {
    setCurrent(job);
    setJobs((before) => upsertJob(before ?? [], job));
  };

  useEffect(() => {
    call<ApiPage<ImportJob>>('GET', '/imports', { query: { limit: PAST } }).then((page) => {
      // A job started while the list was on its way is kept, first.
      setJobs((before) => [...(before ?? []).filter((job) => !page.data.some((listed) => listed.id === job.id)), ...page.data]);
      const running = page.data.find((job) => job.status === 'running');
      if (running) setCurrent((before) => before ?? running);
    }, (err: unknown) => setListError(message(err, 'The past imports could not be loaded.')));
  }, []);

  // One request at a time: the next is asked for only once the answer to the last one is in.
  useEffect(() => {
    if (current?.status !== 'running') return;
    let live = true;
    const timer = setTimeout(() => {
      call<ImportJob>('GET', jobPath(current.id)).then((job) => {
        if (!live) return;
        setPollError(null);
        if (job.status !== 'running') focusReport.current = true;
        show(job);
      }, (err: unknown) => {
        if (!live) return;
        setPollError(message(err, 'The progress could not be loaded.'));
        // Without the server for a moment (status 0): ask again; any other answer will not change by asking.
        if (err instanceof ApiError && err.status === 0) setCurrent({ ...current });
      });
    }, POLL_MS);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [current]);

  useEffect(() => {
    if (!focusReport.current || !current || current.status === 'running') return;
    focusReport.current = false;
    reportHeading.current?.focus();
  }, [current]);

  const running = current?.status === 'running';
  return (
    <Page title="Import links">
      <p>
        Move your links in from another shortener: upload the file it exports, as it is. Codes, titles, tags, creation
        times and visit totals are kept. A code that is taken already is reported as a conflict and never overwritten,
        and importing the same file again adds nothing twice.
      </p>
      <ImportForm running={running} onStarted={(job) => show(job)} />
      <Alert message={pollError} />
      {/* Always there, so that screen readers follow it: a live region is heard when it changes, not when it appears. */}
      <p role="status" class="visually-hidden">{current && running ? progressAnnouncement(current) : ''}</p>
      {current && (running ? <Progress job={current} /> : <ImportReport job={current} headingRef={reportHeading} />)}
      <PastImports jobs={jobs} error={listError} current={current?.id} onShow={(job) => {
        focusReport.current = true;
        setCurrent(job);
      }} />
    </Page>
  );
}

interface Draft {
  from: ImportFormat;
  file: File | null;
  /** A host name, or '' for each link's own (as in the file). */
  domain: string;
  dryRun: boolean;
}

function ImportForm({ running, onStarted }: { running: boolean; onStarted: (job: ImportJob) => void }) {
  const form = useRef<HTMLFormElement>(null);
  const [draft, setDraft] = useState<Draft>({ from: 'bitly', file: null, domain: '', dryRun: false });
  const { busy, errors, run, fail } = useForm({ from: 'from', domain: 'domain', dry_run: 'dry_run' });
  const domains = useDomains();

  const submit = (event: Event) => {
    event.preventDefault();
    const { file } = draft;
    if (!file) return fail(form.current, localError({ file: 'Choose the file to import.' }));
    void run(form.current, async () => {
      const query = { from: draft.from, domain: draft.domain, dry_run: draft.dryRun ? 'true' : '' };
      onStarted(await upload<ImportJob>('/imports', file, query));
    });
  };

  return (
    <form ref={form} class="card import-form" onSubmit={submit} noValidate aria-labelledby="import-form-heading">
      <h2 id="import-form-heading">Import a file</h2>
      <FormatChoice value={draft.from} error={errors.fields.from} onChange={(from) => setDraft((d) => ({ ...d, from }))} />
      <Field label="Export file" name="file" type="file" hint="Read as the shortener wrote it; it may be large."
        error={errors.fields.file} onChange={(e) => {
          const file = e.currentTarget.files?.[0] ?? null;
          setDraft((d) => ({ ...d, file }));
        }} />
      {domains.length > 0 && (
        <SelectField label="Domain" name="domain" value={draft.domain} error={errors.fields.domain}
          hint="As in the file: each link goes to the Kurz domain of its own short host, or to the default domain when Kurz has none."
          onInput={(e) => setDraft((d) => ({ ...d, domain: e.currentTarget.value }))}>
          <option value="">As in the file</option>
          {domains.map((d) => <option key={d.id} value={d.hostname}>{d.is_default ? `${d.hostname} (default)` : d.hostname}</option>)}
        </SelectField>
      )}
      <div class="field checkbox">
        <input id="import-dry-run" type="checkbox" name="dry_run" checked={draft.dryRun} aria-describedby="import-dry-run-hint"
          onChange={(e) => setDraft((d) => ({ ...d, dryRun: e.currentTarget.checked }))} />
        <label for="import-dry-run">Check only</label>
      </div>
      <p id="import-dry-run-hint" class="hint">Reads the whole file and reports what an import would do, changing nothing.</p>
      <Alert message={errors.message} />
      <button type="submit" disabled={busy || running} aria-describedby={running ? 'import-running' : undefined}>
        {busy ? 'Uploading…' : draft.dryRun ? 'Check the file' : 'Import'}
      </button>
      {running && <p id="import-running" class="hint">An import is running: its report comes below.</p>}
    </form>
  );
}

/** The five formats as radio buttons, each with a line saying which export file it reads. */
function FormatChoice({ value, error, onChange }: { value: ImportFormat; error?: string; onChange: (format: ImportFormat) => void }) {
  const id = useId();
  return (
    <fieldset class={error ? 'field formats invalid' : 'field formats'} aria-describedby={error ? `${id}-error` : undefined}>
      <legend>Exported from</legend>
      {IMPORT_CHOICES.map(({ format, name, file }) => (
        <div key={format} class="format-choice">
          <input type="radio" id={`${id}-${format}`} name="from" value={format} checked={value === format}
            aria-describedby={`${id}-${format}-hint`} aria-invalid={error && value === format ? 'true' : undefined}
            onChange={() => onChange(format)} />
          <label for={`${id}-${format}`}>{name}</label>
          <p id={`${id}-${format}-hint`} class="hint">{file}</p>
        </div>
      ))}
      {error && <p id={`${id}-error`} class="field-error">{error}</p>}
    </fieldset>
  );
}

/**
 * The share of the file read, with the rows so far. The bar's value changes every poll; screen readers
 * hear a sentence per tenth instead, from the page's polite status (progressAnnouncement).
 */
function Progress({ job }: { job: ImportJob }) {
  const percent = percentRead(job);
  return (
    <section class="card" aria-labelledby="import-progress-label">
      <h2 id="import-progress-label">{job.dry_run ? 'Checking' : 'Importing'} the {formatName(job.format)} export</h2>
      <progress class="import-progress" aria-labelledby="import-progress-label" max={100} value={percent ?? undefined} />
      <p class="muted">
        {percent === null ? '' : `${percent} % of the file · `}
        {formatCount(job.rows_read)} {job.rows_read === 1 ? 'row' : 'rows'} read
      </p>
    </section>
  );
}

function PastImports({ jobs, error, current, onShow }: {
  jobs: ImportJob[] | null;
  error: string | null;
  current: string | undefined;
  onShow: (job: ImportJob) => void;
}) {
  return (
    <section aria-labelledby="past-imports-heading">
      <h2 id="past-imports-heading">Past imports</h2>
      <Alert message={error} />
      {jobs === null ? (!error && <p class="muted">Loading…</p>) : jobs.length === 0 ? <p class="empty">No imports yet.</p> : (
        <div class="table-scroll">
          <table class="past-imports">
            <caption class="visually-hidden">Past imports, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Started</th>
                <th scope="col">From</th>
                <th scope="col">Status</th>
                <th scope="col" class="num">Rows read</th>
                <th scope="col" class="num">Imported</th>
                <th scope="col"><VisuallyHidden>Report</VisuallyHidden></th>
              </tr>
            </thead>
            <tbody>
              {jobs.map((job) => (
                <tr key={job.id}>
                  <th scope="row">{formatTime(job.created_at)}</th>
                  <td>{formatName(job.format)}{job.domain && <span class="muted"> to {job.domain}</span>}</td>
                  <td>{STATUS_NAMES[job.status]}{job.dry_run && <span class="muted"> (check only)</span>}</td>
                  <td class="num">{formatCount(job.rows_read)}</td>
                  <td class="num">{job.report ? formatCount(job.report.imported) : '—'}</td>
                  <td>
                    {job.status !== 'running' && job.id !== current && (
                      <button type="button" class="secondary small" onClick={() => onShow(job)}>
                        Show report<VisuallyHidden> of {formatTime(job.created_at)}</VisuallyHidden>
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
