import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeEachDialect, problem, signUpAndIn, type Caller } from '../support/app.js';
import { jsonLines, jsonLinesReader, peerLink } from '../support/import-rows.js';
import type { ImportReader } from '../../src/importers/record.js';
import { IMPORT_BATCH } from '../../src/use-cases/import-links.js';

type Job = {
  id: string; status: string; dry_run: boolean; domain: string | null; bytes_total: number; bytes_read: number; rows_read: number; error: string | null;
  report: null | {
    read: number; imported: number; duplicates: number; conflicts: number; invalid: number; skipped: number; interrupted: boolean; dry_run: boolean; notes: string[];
    examples: Record<'duplicates' | 'conflicts' | 'invalid' | 'skipped', { line: number; code: string | null; reason: string }[]>;
  };
};

/** IMPORT_MAX_BYTES of the suite: 8 MiB (three batches of rows fit), so that the 413 needs no 100 MiB body. */
const MAX_BYTES = 8 * 1024 * 1024;

/** The reader the app is given for every format; a test may swap it (one suite at a time uses it). */
let reader: ImportReader = jsonLinesReader;

/** Opens when a test says so: a reader waits at it to keep its job running. */
class Gate {
  open!: () => void;
  readonly opened = new Promise<void>((resolve) => (this.open = resolve));
}

/** jsonLinesReader, waiting at the gate after `before` rows. */
const gatedReader = (gate: Gate, before: number): ImportReader => async function* (input) {
  let n = 0;
  for await (const row of jsonLinesReader(input)) {
    if (n++ === before) await gate.opened;
    yield row;
  }
};

const counts = (job: Job) => {
  const { read, imported, duplicates, conflicts, invalid, skipped } = job.report!;
  return { read, imported, duplicates, conflicts, invalid, skipped };
};

describeEachDialect('imports', ({ app, t, admin }) => {
  const post = (caller: Pick<Caller, 'auth'>, query: string, file: string, contentType = 'text/csv') =>
    app().inject({ method: 'POST', url: `/api/v1/imports?${query}`, headers: { ...caller.auth, 'content-type': contentType }, payload: file });
  const get = (caller: Pick<Caller, 'auth'>, url: string) => app().inject({ url, headers: caller.auth });

  /** Polls the job every 20 ms until it is no longer running. */
  async function finished(caller: Caller, id: string): Promise<Job> {
    for (;;) {
      const res = await get(caller, `/api/v1/imports/${id}`);
      assert.equal(res.statusCode, 200);
      const job = res.json() as Job;
      if (job.status !== 'running') return job;
      await sleep(20);
    }
  }

  /** Starts an import and waits for its end. */
  async function imported(caller: Caller, file: string, query = 'from=csv'): Promise<Job> {
    const res = await post(caller, query, file);
    assert.equal(res.statusCode, 202, res.body);
    return finished(caller, res.json().id);
  }

  const linkByCode = async (caller: Caller, code: string) =>
    ((await get(caller, '/api/v1/links?limit=100')).json().data as { code: string; url: string; title: string | null; tags: string[]; imported_clicks: number; created_at: string }[])
      .find((l) => l.code === code);

  test('when a file is posted, then it answers 202 with the job and its Location, and the job ends done with the report', async () => {
    reader = jsonLinesReader;
    const ann = await signUpAndIn(app());
    const file = jsonLines([
      peerLink({ url: 'https://example.com/a', code: 'x', title: 'Line one\nline two', tags: ['News', 'news', ' '], clicks: 3400, createdAt: Date.UTC(2019, 4, 1) }),
      peerLink({ url: 'https://example.com/b' }),
      peerLink({ url: 'http://127.0.0.1/admin', code: 'private' }),
      { skipped: 'banned', code: 'spam', detail: 'banned by the peer' },
      { invalid: 'line 5: a field is not closed by its quote' },
      peerLink({ url: 'https://example.com/old', code: 'old', expiresAt: Date.UTC(2001, 0, 1) }),
      peerLink({ url: 'https://example.com/c', code: 'bad code!' }),
    ]);
    const res = await post(ann, 'from=csv', file);
    assert.equal(res.statusCode, 202);
    const started = res.json() as Job;
    assert.equal(res.headers.location, `/api/v1/imports/${started.id}`);
    assert.equal(started.bytes_total, Buffer.byteLength(file));
    assert.equal(started.dry_run, false);
    const job = await finished(ann, started.id);
    assert.equal(job.status, 'done');
    assert.deepEqual(counts(job), { read: 7, imported: 2, duplicates: 0, conflicts: 0, invalid: 3, skipped: 2 });
    assert.equal(job.bytes_read, Buffer.byteLength(file));
    assert.equal(job.rows_read, 7);
    assert.deepEqual(job.report!.examples.skipped, [{ line: 4, code: 'spam', reason: 'banned: banned by the peer' }, { line: 6, code: 'old', reason: 'expired' }]);
    assert.deepEqual(job.report!.examples.invalid.map((e) => [e.line, e.code]), [[3, 'private'], [5, null], [7, 'bad code!']]);
    assert.match(job.report!.examples.invalid[0]!.reason, /^url must not point at a private/);
    assert.match(job.report!.examples.invalid[2]!.reason, /^code must be 1 to 64 characters/);
    // The peer's code, title (one line), tags, creation time and visit total are kept.
    const x = await linkByCode(ann, 'x');
    assert.deepEqual(
      { title: x!.title, tags: x!.tags, imported_clicks: x!.imported_clicks, created_at: x!.created_at },
      { title: 'Line one line two', tags: ['news'], imported_clicks: 3400, created_at: '2019-05-01T00:00:00.000Z' },
    );
    // A one-character code redirects, as the peer served it.
    const visit = await app().inject({ url: '/x' });
    assert.equal(visit.statusCode, 302);
    assert.equal(visit.headers.location, 'https://example.com/a');
    // The listing shows the job.
    const listed = (await get(ann, '/api/v1/imports')).json();
    assert.deepEqual(listed.data.map((j: Job) => j.id), [started.id]);
  });

  test('when a code was looked up before it was imported, then it redirects afterwards (the negative cache entry is dropped)', async () => {
    reader = jsonLinesReader;
    const ann = await signUpAndIn(app());
    assert.equal((await app().inject({ url: '/k9' })).statusCode, 404);
    assert.equal((await imported(ann, jsonLines([peerLink({ url: 'https://example.com/k9', code: 'k9' })]))).report!.imported, 1);
    assert.equal((await app().inject({ url: '/k9' })).headers.location, 'https://example.com/k9');
  });

  test('when the same file is imported again, then nothing is added: every row is a duplicate, codes drawn for rows without one included', async () => {
    reader = jsonLinesReader;
    const ann = await signUpAndIn(app());
    const file = jsonLines([
      peerLink({ url: 'https://example.com/again', code: 'again1' }),
      peerLink({ url: 'https://example.com/no-code', title: 'kept' }),
      peerLink({ url: 'https://example.com/no-code' }),
    ]);
    assert.equal((await imported(ann, file)).report!.imported, 3);
    const before = (await get(ann, '/api/v1/links?limit=100')).json().data;
    const again = await imported(ann, file);
    assert.deepEqual(counts(again), { read: 3, imported: 0, duplicates: 3, conflicts: 0, invalid: 0, skipped: 0 });
    assert.deepEqual(again.report!.examples.duplicates[0], { line: 1, code: 'again1', reason: 'already there: the same code and url' });
    assert.deepEqual((await get(ann, '/api/v1/links?limit=100')).json().data, before);
  });

  test('when a code is held by another link, then the row is a conflict; the same code and url of the same owner is a duplicate; a reserved word is a conflict', async () => {
    reader = jsonLinesReader;
    const [ann, bob] = [await signUpAndIn(app()), await signUpAndIn(app())];
    const mine = await app().inject({ method: 'POST', url: '/api/v1/links', headers: ann.auth, payload: { url: 'https://example.com/mine', code: 'mine-1' } });
    assert.equal(mine.statusCode, 201);
    const theirs = await app().inject({ method: 'POST', url: '/api/v1/links', headers: bob.auth, payload: { url: 'https://example.com/theirs', code: 'theirs-1' } });
    assert.equal(theirs.statusCode, 201);
    const job = await imported(ann, jsonLines([
      peerLink({ url: 'https://example.com/mine', code: 'mine-1' }),
      peerLink({ url: 'https://example.com/mine', code: 'theirs-1' }),
      peerLink({ url: 'https://example.com/other', code: 'mine-1' }),
      peerLink({ url: 'https://example.com/docs', code: 'API' }),
      peerLink({ url: 'https://example.com/twice', code: 'twice' }),
      peerLink({ url: 'https://example.com/twice', code: 'twice' }),
      peerLink({ url: 'https://example.com/twice-other', code: 'twice' }),
    ]));
    assert.deepEqual(counts(job), { read: 7, imported: 1, duplicates: 2, conflicts: 4, invalid: 0, skipped: 0 });
    assert.deepEqual(job.report!.examples.duplicates.map((e) => e.line), [1, 6]);
    assert.deepEqual(job.report!.examples.conflicts.map((e) => [e.line, e.code]), [[2, 'theirs-1'], [3, 'mine-1'], [4, 'API'], [7, 'twice']]);
    assert.equal(job.report!.examples.conflicts[0]!.reason, 'code taken by another link');
    assert.match(job.report!.examples.conflicts[2]!.reason, /"API" is reserved/);
    // Nothing was overwritten.
    assert.equal((await app().inject({ url: '/theirs-1' })).headers.location, 'https://example.com/theirs');
    assert.equal((await app().inject({ url: '/mine-1' })).headers.location, 'https://example.com/mine');
  });

  test('when it is a dry run, then the report is the one a real run gives, and nothing is written', async () => {
    reader = jsonLinesReader;
    const ann = await signUpAndIn(app());
    await app().inject({ method: 'POST', url: '/api/v1/links', headers: admin().auth, payload: { url: 'https://example.com/held', code: 'held-dry' } });
    const file = jsonLines([
      peerLink({ url: 'https://example.com/d1', code: 'dry-1' }),
      peerLink({ url: 'https://example.com/d2' }),
      peerLink({ url: 'https://example.com/d3', code: 'held-dry' }),
      peerLink({ url: 'https://example.com/d1', code: 'dry-1' }),
      peerLink({ url: 'nope' }),
    ]);
    const dry = await imported(ann, file, 'from=csv&dry_run=true');
    assert.equal(dry.dry_run, true);
    assert.equal(dry.report!.dry_run, true);
    assert.deepEqual((await get(ann, '/api/v1/links')).json().data, []);
    const real = await imported(ann, file);
    assert.deepEqual(counts(dry), counts(real));
    assert.deepEqual(counts(real), { read: 5, imported: 2, duplicates: 1, conflicts: 1, invalid: 1, skipped: 0 });
  });

  test('when links name the peer\'s host, then they go to Kurz\'s domain of that host, or to the default one with a note', async () => {
    reader = jsonLinesReader;
    const ann = await signUpAndIn(app());
    assert.equal((await app().inject({ method: 'POST', url: '/api/v1/domains', headers: admin().auth, payload: { hostname: 'go.import.test' } })).statusCode, 201);
    const job = await imported(ann, jsonLines([
      peerLink({ url: 'https://example.com/1', code: 'on-go', domain: 'go.import.test' }),
      peerLink({ url: 'https://example.com/2', code: 'on-bitly', domain: 'bit.ly' }),
      peerLink({ url: 'https://example.com/3', code: 'on-bitly-2', domain: 'bit.ly' }),
      peerLink({ url: 'https://example.com/4', code: 'on-base', domain: 'kurz.test' }),
    ]));
    assert.equal(job.report!.imported, 4);
    assert.deepEqual(job.report!.notes, ['2 links of bit.ly went to the default domain: Kurz has no domain bit.ly you may use']);
    assert.equal((await app().inject({ url: '/on-go', authority: 'go.import.test' })).headers.location, 'https://example.com/1');
    assert.equal((await app().inject({ url: '/on-bitly' })).headers.location, 'https://example.com/2');
    assert.equal((await app().inject({ url: '/on-base' })).headers.location, 'https://example.com/4');
  });

  test('when `domain` is given, then every link goes there; a domain the user may not use is a 400 naming domain, and no job starts', async () => {
    reader = jsonLinesReader;
    const ann = await signUpAndIn(app());
    const created = await app().inject({ method: 'POST', url: '/api/v1/domains', headers: admin().auth, payload: { hostname: 'mine.import.test', owner_id: ann.id } });
    assert.equal(created.statusCode, 201);
    const job = await imported(ann, jsonLines([peerLink({ url: 'https://example.com/1', code: 'there', domain: 'bit.ly' })]), 'from=csv&domain=mine.import.test');
    assert.equal(job.domain, 'mine.import.test');
    assert.deepEqual(job.report!.notes, []);
    assert.equal((await app().inject({ url: '/there', authority: 'mine.import.test' })).headers.location, 'https://example.com/1');

    const bob = await signUpAndIn(app());
    for (const domain of ['mine.import.test', 'nowhere.example']) {
      const res = await post(bob, `from=csv&domain=${domain}`, jsonLines([peerLink()]));
      assert.equal(res.statusCode, 400);
      assert.equal(problem(res).errors![0]!.field, 'domain');
    }
    assert.deepEqual((await get(bob, '/api/v1/imports')).json().data, []);
  });

  test('when `from` is not a known format, then 400 names from', async () => {
    const ann = await signUpAndIn(app());
    const res = await post(ann, 'from=tinyurl', 'url\nhttps://example.com/\n');
    assert.equal(res.statusCode, 400);
    assert.equal(problem(res).errors![0]!.field, 'from');
  });

  test('when the content type is not one an export has, then 415', async () => {
    const ann = await signUpAndIn(app());
    const res = await post(ann, 'from=csv', '<x/>', 'application/xml');
    assert.equal(res.statusCode, 415);
  });

  test('when the file cannot be read as its format, then the job ends failed with the reason', async () => {
    reader = jsonLinesReader;
    const ann = await signUpAndIn(app());
    const job = await imported(ann, 'garbage\n');
    assert.equal(job.status, 'failed');
    assert.equal(job.error, 'line 1: not an export of this format');
    assert.equal(job.report, null);
  });

  test('when an import is running, then a second one of the same user is a 409 naming it; another user may start theirs', async () => {
    const gate = new Gate();
    reader = gatedReader(gate, 0);
    const ann = await signUpAndIn(app());
    const first = (await post(ann, 'from=csv', jsonLines([peerLink({ url: 'https://example.com/slow' })]))).json() as Job;
    const second = await post(ann, 'from=csv', jsonLines([peerLink()]));
    assert.equal(second.statusCode, 409);
    assert.match(problem(second).detail, new RegExp(`an import is already running: ${first.id}`));
    reader = jsonLinesReader;
    const bob = await signUpAndIn(app());
    assert.equal((await post(bob, 'from=csv', jsonLines([peerLink()]))).statusCode, 202);
    gate.open();
    assert.equal((await finished(ann, first.id)).status, 'done');
    assert.equal((await post(ann, 'from=csv', jsonLines([peerLink()]))).statusCode, 202);
  });

  test('when a running job has written no heartbeat for a minute, then it shows as interrupted and no longer blocks a new one', async () => {
    const gate = new Gate();
    reader = gatedReader(gate, 0);
    const ann = await signUpAndIn(app());
    const first = (await post(ann, 'from=csv', jsonLines([peerLink({ url: 'https://example.com/stale' })]))).json() as Job;
    t().clock.now += 61_000;
    try {
      assert.equal((await get(ann, `/api/v1/imports/${first.id}`)).json().status, 'interrupted');
      reader = jsonLinesReader;
      assert.equal((await post(ann, 'from=csv', jsonLines([peerLink()]))).statusCode, 202);
    } finally {
      gate.open();
    }
  });

  test('when the file is larger than IMPORT_MAX_BYTES, then 413 and no job', async () => {
    const ann = await signUpAndIn(app());
    const res = await post(ann, 'from=csv', 'x'.repeat(MAX_BYTES + 1));
    assert.equal(res.statusCode, 413);
    assert.match(problem(res).detail, /IMPORT_MAX_BYTES/);
    assert.deepEqual((await get(ann, '/api/v1/imports')).json().data, []);
  });

  test('when no file is sent (no body, or an empty one without a type), then 400 naming the body and no job', async () => {
    const ann = await signUpAndIn(app());
    for (const res of [
      await app().inject({ method: 'POST', url: '/api/v1/imports?from=bitly', headers: ann.auth }),
      await app().inject({ method: 'POST', url: '/api/v1/imports?from=yourls', headers: ann.auth, payload: '' }),
    ]) {
      assert.equal(res.statusCode, 400, res.body);
      assert.equal(problem(res).errors?.[0]?.field, 'body');
    }
    assert.deepEqual((await get(ann, '/api/v1/imports')).json().data, []);
  });

  test('when another user asks for a job, then 404, as for a missing one; an admin sees it', async () => {
    reader = jsonLinesReader;
    const [ann, bob] = [await signUpAndIn(app()), await signUpAndIn(app())];
    const job = await imported(ann, jsonLines([peerLink()]));
    assert.equal((await get(bob, `/api/v1/imports/${job.id}`)).statusCode, 404);
    assert.deepEqual((await get(bob, '/api/v1/imports')).json().data, []);
    assert.equal((await get(admin(), `/api/v1/imports/${job.id}`)).json().id, job.id);
  });

  test('when an API key lacks links:write, then it cannot start an import (403) but can read its jobs with links:read', async () => {
    reader = jsonLinesReader;
    const ann = await signUpAndIn(app());
    const key = async (scopes: string[]) => {
      const res = await app().inject({ method: 'POST', url: '/api/v1/api-keys', headers: ann.auth, payload: { name: scopes.join(' '), scopes } });
      return { auth: { authorization: `Bearer ${res.json().key}` } };
    };
    const readOnly = await key(['links:read']);
    const refused = await post(readOnly, 'from=csv', jsonLines([peerLink()]));
    assert.equal(refused.statusCode, 403);
    assert.match(problem(refused).detail, /links:write/);
    const writer = await key(['links:write']);
    const started = await post(writer, 'from=csv', jsonLines([peerLink()]));
    assert.equal(started.statusCode, 202);
    assert.equal((await get(readOnly, `/api/v1/imports/${started.json().id}`)).statusCode, 200);
    assert.equal((await get(writer, `/api/v1/imports/${started.json().id}`)).statusCode, 403);
    await finished(ann, started.json().id);
  });

  test('when the app closes during an import, then the job stops between batches, interrupted; the same file again imports the rest', async () => {
    const gate = new Gate();
    const B = IMPORT_BATCH;
    reader = gatedReader(gate, 2.5 * B);
    const ann = await signUpAndIn(app());
    const rows = Array.from({ length: 3 * B }, (_, i) => peerLink({ url: `https://example.com/r/${i}`, code: i % 2 === 0 ? `resume-${i}` : null }));
    const file = jsonLines(rows);
    const posted = await post(ann, 'from=csv', file);
    assert.equal(posted.statusCode, 202, posted.body);
    const started = posted.json() as Job;
    // Two batches are in; the reader waits inside the third.
    while (Number((await t().ctx.store.listLinks({ limit: 3 * B, ownerId: ann.id })).length) < 2 * B) await sleep(20);
    const closing = t().ctx.imports.close();
    gate.open();
    await closing;
    const stopped = await finished(ann, started.id);
    assert.equal(stopped.status, 'interrupted');
    assert.equal(stopped.report!.interrupted, true);
    assert.deepEqual(counts(stopped), { read: 2 * B, imported: 2 * B, duplicates: 0, conflicts: 0, invalid: 0, skipped: 0 });

    reader = jsonLinesReader;
    const resumed = await imported(ann, file);
    assert.equal(resumed.status, 'done');
    assert.deepEqual(counts(resumed), { read: 3 * B, imported: B, duplicates: 2 * B, conflicts: 0, invalid: 0, skipped: 0 });
    assert.equal((await t().ctx.store.listLinks({ limit: 4 * B, ownerId: ann.id })).length, 3 * B);
  });
}, { importReader: () => (input) => reader(input), env: { IMPORT_MAX_BYTES: String(MAX_BYTES) } });
