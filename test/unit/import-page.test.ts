/**
 * The import page's logic (web/src/imports.ts) and the links' click line (web/src/counts.ts), pure: the
 * share of the file read, what a screen reader hears while it grows, the report's heading for each end
 * of a job, the past imports kept newest first, and imported visits kept apart from Kurz's own clicks.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { clicksText } from '../../web/src/counts.js';
import { percentRead, progressAnnouncement, reportTitle, upsertJob } from '../../web/src/imports.js';
import type { ImportJob } from '../../web/src/types.js';

const job = (changes: Partial<ImportJob> = {}): ImportJob => ({
  id: 'j1', format: 'csv', status: 'running', dry_run: false, domain: null, bytes_total: 1000, bytes_read: 0, rows_read: 0,
  report: null, error: null, created_at: '2026-12-03T10:00:00.000Z', updated_at: '2026-12-03T10:00:00.000Z', finished_at: null, ...changes,
});

describe('import page', () => {
  test('when part of the file is read, then the share is whole percent, never past 100, and unknown for an empty file', () => {
    assert.equal(percentRead(job({ bytes_read: 0 })), 0);
    assert.equal(percentRead(job({ bytes_read: 999 })), 99);
    assert.equal(percentRead(job({ bytes_read: 1000 })), 100);
    assert.equal(percentRead(job({ bytes_read: 1200 })), 100, 'a file that grew while read');
    assert.equal(percentRead(job({ bytes_total: 0 })), null);
  });

  test('when the share grows within a tenth, then the announcement stays the same sentence', () => {
    assert.equal(progressAnnouncement(job({ bytes_read: 410 })), 'Importing: 40 % read.');
    assert.equal(progressAnnouncement(job({ bytes_read: 499 })), progressAnnouncement(job({ bytes_read: 400 })));
    assert.notEqual(progressAnnouncement(job({ bytes_read: 500 })), progressAnnouncement(job({ bytes_read: 499 })));
    assert.equal(progressAnnouncement(job({ dry_run: true, bytes_total: 0 })), 'Checking…');
  });

  test('when a job ends, then its heading says how: done, a check that changed nothing, interrupted or failed', () => {
    assert.equal(reportTitle(job({ status: 'done' })), 'Import done');
    assert.equal(reportTitle(job({ status: 'done', dry_run: true })), 'Check done: nothing was changed');
    assert.equal(reportTitle(job({ status: 'interrupted' })), 'Import interrupted');
    assert.equal(reportTitle(job({ status: 'failed', dry_run: true })), 'Check failed');
  });

  test('when a job is new to the list, then it comes first; when it is known, then it replaces its older copy in place', () => {
    const older = job({ id: 'old', status: 'done' });
    const list = upsertJob([older], job({ id: 'new' }));
    assert.deepEqual(list.map((j) => j.id), ['new', 'old']);
    const updated = upsertJob(list, job({ id: 'new', status: 'done', rows_read: 3 }));
    assert.deepEqual(updated.map((j) => [j.id, j.rows_read]), [['new', 3], ['old', 0]]);
  });

  test('when a link has imported clicks, then they are shown apart from its own; without, only its own', () => {
    assert.equal(clicksText({ clicks: 12, imported_clicks: 3400 }), '12 clicks · 3,400 before import');
    assert.equal(clicksText({ clicks: 1, imported_clicks: 0 }), '1 click');
    assert.equal(clicksText({ clicks: 1234, imported_clicks: 0 }), '1,234 clicks');
  });
});
