import { StoreUnavailable } from '../../ports.js';

/**
 * Group commit: writes that arrive together are written together. Each add() waits for its write's
 * transaction to commit, so nothing is acknowledged before it is durable; but the requests read in one
 * turn of the event loop share one transaction, and a commit (a WAL write, on PostgreSQL an fsync and
 * round trips) is paid once per group instead of once per write.
 *
 * `writeAll` writes a group in one transaction and gives each item its result, or the error of that
 * item alone (a taken code). If the whole transaction fails, each item is tried again on its own, so
 * one bad write never fails the others; unless the store is unavailable, which fails them all at once.
 */
export class GroupCommit<T, R> {
  private queue: { item: T; resolve: (result: R) => void; reject: (err: unknown) => void }[] = [];
  private draining = false;

  constructor(
    private readonly writeAll: (items: T[]) => Promise<(R | Error)[]>,
    private readonly maxGroup = 500,
  ) {}

  add(item: T): Promise<R> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.draining) return;
      this.draining = true;
      // After the I/O phase: every request already read joins this group.
      setImmediate(() => void this.drain());
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const group = this.queue.splice(0, this.maxGroup);
      const results = await this.writeAll(group.map((w) => w.item)).catch(async (err: unknown) =>
        // A store that is down fails every item alike: trying each alone would make the last wait one timeout per item.
        group.length === 1 || err instanceof StoreUnavailable
          ? group.map(() => (err instanceof Error ? err : new Error(String(err))))
          : this.oneByOne(group.map((w) => w.item)));
      group.forEach((w, i) => {
        const result = results[i];
        if (result instanceof Error) w.reject(result);
        else w.resolve(result as R);
      });
    }
    this.draining = false;
  }

  private async oneByOne(items: T[]): Promise<(R | Error)[]> {
    const results: (R | Error)[] = [];
    for (const item of items) results.push(await this.writeAll([item]).then(([r]) => r!, (err: unknown) => (err instanceof Error ? err : new Error(String(err)))));
    return results;
  }
}
