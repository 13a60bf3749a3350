/**
 * Instructions per redirect on the fast path, counted by callgrind: a measure of the hot path that the
 * noise of a shared machine does not move, for comparing two versions of it. The redirect handler
 * (http/fast-redirect.ts, as buildApp wires it) is called in-process with a request and a response
 * that do no I/O, over the embedded default (SQLite, in-process cache and limiter), so what is counted
 * is Kurz's own work per redirect. Its clicks go to a queue that only counts them: writing them is on
 * another thread whose batches fall at moments that vary from run to run, and so would the count.
 *
 * Each case starts once under callgrind, warms up (4 × `--n` redirects, so the JIT has compiled the path),
 * has its counters zeroed (callgrind_control), runs `--n` redirects, and has its counters dumped: that window over `--n` is the cost of one redirect, with no
 * start-up (module loading, transpiling, migrations) in it.
 *
 *   node --import tsx bench/redirect-instructions.ts [--root DIR] [--n 20000] [--cases plain,rules3]
 *
 * `--root` points at another checkout (say, a worktree of the previous commit) to count its code with
 * this harness; the `rules3` case needs a version with routing rules.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';

const { values } = parseArgs({
  options: {
    root: { type: 'string', default: '.' },
    n: { type: 'string', default: '20000' },
    cases: { type: 'string', default: 'plain,rules3' },
    /** Internal: run one case in this process (under callgrind) instead of driving callgrind. */
    child: { type: 'string' },
  },
});
const root = resolve(values.root);
const n = Number(values.n);

const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
const RULES = [
  { conditions: [{ type: 'device', value: 'ios' }], url: 'https://example.com/ios' },
  { conditions: [{ type: 'language', value: 'de' }], url: 'https://example.com/de' },
  { conditions: [{ type: 'country', value: 'FR' }], url: 'https://example.com/fr' },
];

if (values.child) await child(values.child, n);
else await driver();

/** Runs `count` redirects of one case, in this process. */
async function child(name: string, count: number): Promise<void> {
  const load = (path: string) => import(pathToFileURL(join(root, path)).href);
  const { loadConfig, resolveConfig } = await load('src/config.ts');
  const { assemble } = await load('src/compose.ts');
  const { fastRedirect } = await load('src/http/fast-redirect.ts');
  const { answeredRequests } = await load('src/http/answered.ts');
  const { clientIp } = await load('src/http/client-ip.ts');
  const { storeAt } = await load('test/support/stores.ts');
  const { default: pino } = await import('pino');

  const dir = mkdtempSync(join(tmpdir(), 'kurz-instructions-'));
  const config = resolveConfig(loadConfig({
    BASE_URL: 'http://kurz.test', JWT_SECRET: 'instructions-secret-0123456789abcdefghijkl', DATABASE_URL: `sqlite:${join(dir, 'kurz.db')}`,
    RATE_REDIRECT: '1000000000:1000000000', LOG_REDIRECTS: '0', IDLE_GC_SECONDS: '0',
  }));
  const store = storeAt(`sqlite:${join(dir, 'kurz.db')}`);
  await store.migrate();
  const log = pino({ level: 'silent' });
  const now = Date.now();
  const owner = await store.createUser({ id: 'u1', email: 'u@example.com', name: null, passwordHash: '!', createdAt: now });
  await store.insertLink({
    id: 'l1', code: 'abc1234', url: 'https://example.com/target', title: null, tags: [], redirectType: 301, expiresAt: null, maxClicks: null,
    ownerId: owner.id, createdAt: now, ...(name === 'rules3' && { rules: RULES }),
  });
  const parts = assemble(config, store, { log });
  parts.start();
  await parts.ctx.domains.reload();
  let enqueued = 0;
  const clicks = { enqueue: () => void enqueued++, flush: async () => {}, close: async () => {} };
  const fast = fastRedirect({ ...parts.ctx, clicks }, clientIp(false), answeredRequests(parts.ctx.metrics, log));
  const headers = { host: 'kurz.test', 'user-agent': BROWSER, 'accept-language': 'en-US,en;q=0.9' };
  const socket = { remoteAddress: '127.0.0.1', remotePort: 40000 };
  const res = { writeHead: () => res, end: () => undefined };
  const next = () => {
    throw new Error('the fast path handed a redirect on');
  };
  const redirects = async (count: number) => {
    for (let i = 0; i < count; i++) {
      fast({ method: 'GET', url: '/abc1234', headers, socket } as never, res as never, next);
      // Turns of the event loop, as a server has.
      if (i % 500 === 499) await nextTurn();
    }
  };
  const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  const handshake = async (say: string) => {
    process.stdout.write(`${say}\n`);
    await lines.next();
  };
  // Long enough that every function of the path has been optimised before the window: a compilation
  // inside it (on the main thread, under --predictable) would be counted as the path's work.
  const warmup = 4 * count;
  await redirects(warmup);
  await handshake('READY'); // the driver zeroes the counters
  await redirects(count);
  await handshake('DONE'); // the driver dumps them
  await parts.close();
  rmSync(dir, { recursive: true, force: true });
  if (enqueued !== warmup + count) throw new Error(`${enqueued} clicks of ${warmup + count} redirects`);
  process.exit(0);
}

/** Runs each case under callgrind and prints the instructions per redirect of its measured window. */
async function driver(): Promise<void> {
  const out = mkdtempSync(join(tmpdir(), 'kurz-callgrind-'));
  const control = (pid: number, ...args: string[]) => {
    const run = spawnSync('callgrind_control', [...args, String(pid)], { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`callgrind_control ${args.join(' ')}: ${run.stderr}`);
  };
  const window = async (name: string): Promise<number> => {
    const file = join(out, `${name}.out`);
    const child = spawn('valgrind', [
      '--tool=callgrind', `--callgrind-out-file=${file}`, '--dump-line=no', '--compress-strings=no',
      // --predictable: V8 without background threads (concurrent compilation and marking finish at points
      // that vary from run to run), so that the same code runs the same instructions.
      process.execPath, '--predictable', '--import', 'tsx', resolve(import.meta.dirname, 'redirect-instructions.ts'), '--root', root, '--child', name, '--n', String(n),
    ], { cwd: resolve(import.meta.dirname, '..'), stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-5000)));
    const exited = new Promise<number | null>((done) => child.once('close', done));
    for await (const line of createInterface({ input: child.stdout! })) {
      if (line === 'READY') control(child.pid!, '--zero');
      else if (line === 'DONE') control(child.pid!, '--dump=window');
      else continue;
      child.stdin!.write('go\n');
    }
    if ((await exited) !== 0) throw new Error(`the ${name} case failed:\n${stderr}`);
    // The first dump (`.1`) is the window's; the file without a suffix is what ran after it.
    return Number(/^(?:summary|totals): (\d+)/m.exec(readFileSync(`${file}.1`, 'utf8'))?.[1] ?? Number.NaN);
  };
  try {
    for (const name of values.cases!.split(',')) {
      console.log(`${name}: ${Math.round((await window(name)) / n).toLocaleString('en')} instructions per redirect (${root})`);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
