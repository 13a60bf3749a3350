import type { Ref } from 'preact';
import { Alert } from './alert';
import { formatCount } from '../counts';
import { EXAMPLE_KINDS, reportTitle } from '../imports';
import type { ImportExample, ImportJob, ImportReport as Report } from '../types';

/**
 * A finished job: its heading (which takes focus when the job ends, so the result is announced), the
 * counts, the notes and the examples of rows that did not go in, each kind a table named by its caption.
 */
export function ImportReport({ job, headingRef }: { job: ImportJob; headingRef: Ref<HTMLHeadingElement> }) {
  const report = job.report;
  return (
    <section class="card import-report" aria-labelledby="import-report-heading">
      <h2 id="import-report-heading" ref={headingRef} tabIndex={-1}>{reportTitle(job)}</h2>
      <Alert message={job.error} />
      {(job.status === 'interrupted' || report?.interrupted) && (
        <p>Import the same file again to finish: what went in already is recognised and counted as duplicates.</p>
      )}
      {report && <Counts report={report} />}
      {report && report.notes.length > 0 && (
        <>
          <h3>Notes</h3>
          <ul class="import-notes">{report.notes.map((note, i) => <li key={i}>{note}</li>)}</ul>
        </>
      )}
      {report && EXAMPLE_KINDS.map(({ kind, name }) => (
        <Examples key={kind} name={name} total={report[kind]} rows={report.examples[kind]} />
      ))}
    </section>
  );
}

function Counts({ report }: { report: Report }) {
  const rows: [string, number][] = [
    [report.dry_run ? 'Would be imported' : 'Imported', report.imported],
    ['Duplicates (already there)', report.duplicates],
    ['Conflicts (code taken)', report.conflicts],
    ['Invalid', report.invalid],
    ['Skipped', report.skipped],
  ];
  return (
    <table class="import-counts">
      <caption>{formatCount(report.read)} {report.read === 1 ? 'row' : 'rows'} read</caption>
      <tbody>
        {rows.map(([name, count]) => (
          <tr key={name}>
            <th scope="row">{name}</th>
            <td class="num">{formatCount(count)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Up to 10 rows of one kind, in file order; the caption says how many of how many there are. */
function Examples({ name, total, rows }: { name: string; total: number; rows: ImportExample[] }) {
  if (rows.length === 0) return null;
  const shown = rows.length < total ? `the first ${rows.length} of ${formatCount(total)}` : formatCount(total);
  return (
    <div class="table-scroll">
      <table class="import-examples">
        <caption>{name}: {shown}</caption>
        <thead>
          <tr>
            <th scope="col" class="num">Line</th>
            <th scope="col">Code</th>
            <th scope="col">Reason</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.line}>
              <td class="num">{row.line}</td>
              <td class="break">{row.code ?? <span class="muted">none</span>}</td>
              <td class="break">{row.reason}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
