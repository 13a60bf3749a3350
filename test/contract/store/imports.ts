import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { newId } from '../../../src/domain/ids.js';
import { emptyReport } from '../../../src/domain/import-report.js';
import type { NewImportJob } from '../../../src/ports.js';
import { later, newLink, newUser, type ContractContext } from './fixtures.js';

/** The import's writes (insertLinksWhereFree, findCodeHolders) and its jobs (ImportStore). */
export function importsContract({ store: s }: ContractContext): void {
  const someUserId = async () => (await s().createUser(newUser())).id;
  const newJob = (ownerId: string, over: Partial<NewImportJob> = {}): NewImportJob => {
    const createdAt = over.createdAt ?? later();
    return { id: newId(createdAt), ownerId, format: 'csv', dryRun: false, domain: null, bytesTotal: 1_234, createdAt, ...over };
  };

  describe('insertLinksWhereFree', () => {
    test('inserts the links whose code is free, with tags and imported clicks, and names the holder of each taken code', async () => {
      const [ann, bob] = [await someUserId(), await someUserId()];
      const held = await s().insertLink(newLink(bob, { url: 'https://example.com/held' }));
      const links = [
        newLink(ann, { code: `free${later()}`, tags: ['b', 'a'], importedClicks: 3_400 }),
        newLink(ann, { code: held.code, url: 'https://example.com/mine' }),
      ];
      const answer = await s().insertLinksWhereFree(links);
      assert.deepEqual(answer, [null, { domainId: '', code: held.code, url: 'https://example.com/held', ownerId: bob }]);
      const stored = await s().findLinkByCode(links[0]!.code);
      assert.deepEqual({ tags: stored!.tags, importedClicks: stored!.importedClicks, ownerId: stored!.ownerId }, { tags: ['a', 'b'], importedClicks: 3_400, ownerId: ann });
      assert.equal((await s().findLinkByCode(held.code))!.url, 'https://example.com/held');
      assert.equal(await s().findLinkById(links[1]!.id), undefined);
    });

    test('when two links of one call share a code, then the first goes in and the second is told it is held by the first', async () => {
      const ann = await someUserId();
      const code = `twice${later()}`;
      const links = [newLink(ann, { code, url: 'https://example.com/first', tags: ['x'] }), newLink(ann, { code, url: 'https://example.com/second', tags: ['y'] })];
      assert.deepEqual(await s().insertLinksWhereFree(links), [null, { domainId: '', code, url: 'https://example.com/first', ownerId: ann }]);
      assert.deepEqual((await s().findLinkByCode(code))!.tags, ['x']);
    });

    test('when a batch is larger than one multi-row insert (1,200 links), then every free one goes in', async () => {
      const ann = await someUserId();
      const at = later();
      const links = Array.from({ length: 1_200 }, (_, i) => newLink(ann, { code: `many${at}-${i}`, createdAt: at }));
      assert.ok((await s().insertLinksWhereFree(links)).every((holder) => holder === null));
      assert.equal((await s().listLinks({ limit: 2_000, ownerId: ann })).length, 1_200);
    });

    test('codes are per domain: a code taken on the default domain is free on another', async () => {
      const ann = await someUserId();
      const domain = await s().insertDomain({ id: newId(later()), hostname: `imp${later()}.example.com`, rootRedirect: null, notFoundRedirect: null, ownerId: null, createdAt: later() });
      const code = `dom${later()}`;
      await s().insertLink(newLink(ann, { code }));
      assert.deepEqual(await s().insertLinksWhereFree([newLink(ann, { code, domainId: domain.id })]), [null]);
      assert.deepEqual(
        (await s().findCodeHolders([{ domainId: domain.id, code }, { domainId: '', code }, { domainId: '', code: 'nobody-holds-this' }])).map((h) => h.domainId).sort(),
        ['', domain.id].sort(),
      );
    });

    test('an empty call inserts nothing', async () => {
      assert.deepEqual(await s().insertLinksWhereFree([]), []);
      assert.deepEqual(await s().findCodeHolders([]), []);
    });
  });

  describe('import jobs', () => {
    test('a started job is running with nothing read; progress and its end are written and read back', async () => {
      const ann = await someUserId();
      const job = newJob(ann, { dryRun: true, domain: 'go.example.com' });
      const { job: started, started: ok } = await s().startImport(job, job.createdAt - 60_000);
      assert.equal(ok, true);
      assert.deepEqual(started, {
        ...job, status: 'running', bytesRead: 0, rowsRead: 0, report: null, error: null, updatedAt: job.createdAt, finishedAt: null,
      });
      await s().recordImportProgress(job.id, { bytesRead: 600, rowsRead: 10 }, job.createdAt + 2_000);
      assert.deepEqual(await s().findImport(job.id), { ...started, bytesRead: 600, rowsRead: 10, updatedAt: job.createdAt + 2_000 });
      const report = { ...emptyReport(true), read: 20, imported: 19, invalid: 1, examples: { ...emptyReport(true).examples, invalid: [{ line: 3, code: null, reason: 'url must …' }] } };
      await s().finishImport(job.id, { status: 'done', bytesRead: 1_234, rowsRead: 20, report, error: null }, job.createdAt + 3_000);
      const done = await s().findImport(job.id);
      assert.deepEqual(done, { ...started, status: 'done', bytesRead: 1_234, rowsRead: 20, report, updatedAt: job.createdAt + 3_000, finishedAt: job.createdAt + 3_000 });
      // An ended job takes no more progress.
      await s().recordImportProgress(job.id, { bytesRead: 1, rowsRead: 1 }, job.createdAt + 4_000);
      assert.deepEqual(await s().findImport(job.id), done);
    });

    test('a user has one running job at a time: a second start returns the running one; once it ends, a new one starts', async () => {
      const ann = await someUserId();
      const first = newJob(ann);
      await s().startImport(first, first.createdAt - 60_000);
      const second = newJob(ann);
      const refused = await s().startImport(second, second.createdAt - 60_000);
      assert.deepEqual({ started: refused.started, id: refused.job.id }, { started: false, id: first.id });
      assert.equal(await s().findImport(second.id), undefined);
      // Another user is not held up.
      assert.equal((await s().startImport(newJob(await someUserId()), 0)).started, true);
      await s().finishImport(first.id, { status: 'failed', bytesRead: 0, rowsRead: 0, report: null, error: 'not a CSV file' }, later());
      assert.equal((await s().findImport(first.id))!.error, 'not a CSV file');
      assert.equal((await s().startImport(second, second.createdAt - 60_000)).started, true);
    });

    test('two starts at once for one user: exactly one runs', async () => {
      const ann = await someUserId();
      const jobs = [newJob(ann), newJob(ann), newJob(ann)];
      const results = await Promise.all(jobs.map((job) => s().startImport(job, job.createdAt - 60_000)));
      assert.equal(results.filter((r) => r.started).length, 1);
      const winner = results.find((r) => r.started)!.job.id;
      assert.ok(results.every((r) => r.job.id === winner));
    });

    test('a running job whose heartbeat is older than staleBefore is interrupted by the next start, and by interruptStaleImports', async () => {
      const ann = await someUserId();
      const old = newJob(ann);
      await s().startImport(old, 0);
      const next = newJob(ann, { createdAt: old.createdAt + 61_000 });
      assert.equal((await s().startImport(next, next.createdAt - 60_000)).started, true);
      assert.deepEqual(
        { status: (await s().findImport(old.id))!.status, finishedAt: (await s().findImport(old.id))!.finishedAt },
        { status: 'interrupted', finishedAt: next.createdAt },
      );
      const now = next.createdAt + 120_000;
      assert.ok(await s().interruptStaleImports(now - 60_000, now) >= 1);
      assert.equal((await s().findImport(next.id))!.status, 'interrupted');
    });

    test('a user\'s jobs are listed newest first, a page at a time, and only theirs', async () => {
      const [ann, bob] = [await someUserId(), await someUserId()];
      const jobs = [newJob(ann), newJob(ann), newJob(ann)];
      for (const job of jobs) {
        await s().startImport(job, 0);
        await s().finishImport(job.id, { status: 'done', bytesRead: 1, rowsRead: 1, report: emptyReport(false), error: null }, later());
      }
      await s().startImport(newJob(bob), 0);
      const first = await s().listImports({ ownerId: ann, limit: 2 });
      assert.deepEqual(first.map((j) => j.id), [jobs[2]!.id, jobs[1]!.id, jobs[0]!.id]);
      const rest = await s().listImports({ ownerId: ann, limit: 2, cursor: { createdAt: jobs[1]!.createdAt, id: jobs[1]!.id } });
      assert.deepEqual(rest.map((j) => j.id), [jobs[0]!.id]);
    });

    test('deleting a user deletes their jobs', async () => {
      const ann = await someUserId();
      const job = newJob(ann);
      await s().startImport(job, 0);
      await s().deleteUser(ann);
      assert.equal(await s().findImport(job.id), undefined);
    });
  });
}
