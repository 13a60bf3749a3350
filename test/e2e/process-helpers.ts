/**
 * Helpers for the end-to-end tests that run the real `kurz` process: start it, read its JSON logs,
 * stop it, and make sure nothing outlives the test run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { TestContext } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SETTINGS } from '../../src/config.js';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Every setting Kurz reads, plus what would leak from the test runner (colour included); cleared so the host's env cannot change a test. */
const SCRUBBED = [...SETTINGS, 'KURZ_PASSWORD', 'NODE_TEST_CONTEXT', 'NODE_OPTIONS', 'NO_COLOR', 'FORCE_COLOR'];

function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of SCRUBBED) delete env[name];
  return { ...env, ...extra };
}

const live = new Set<ChildProcess>();

/** SIGKILLs every process these helpers started that is still running; resolves once they are gone. */
export async function killAll(): Promise<void> {
  const gone = [...live].map((child) =>
    child.exitCode !== null || child.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
        child.once('close', () => resolve());
        child.kill('SIGKILL');
      }));
  live.clear();
  await within(5_000, Promise.all(gone), () => 'waiting for kurz processes to die after SIGKILL').catch(() => undefined);
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

interface Spawned {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<Exit>;
}

/**
 * `built` runs the compiled dist/main.js (build it first) instead of src/main.ts under tsx: it starts
 * in about a second instead of three, and runs the JavaScript that ships, which is what benchmarks want.
 */
function spawnKurz(args: string[], env: Record<string, string>, nodeArgs: string[] = [], built = false): Spawned {
  const entry = built ? ['dist/main.js'] : ['--import', 'tsx', 'src/main.ts'];
  const child = spawn(process.execPath, [...nodeArgs, ...entry, ...args], {
    cwd: repoRoot,
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  // 'close' (not 'exit') so that stdout and stderr have been read to the end.
  const exited = new Promise<Exit>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    });
  });
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Resolves with `promise`, or rejects after `ms` with `what()` in the message. */
export async function within<T>(ms: number, promise: Promise<T>, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what()}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs a one-shot command (`migrate`, `user create` …) to completion. */
export async function runKurz(
  args: string[],
  options: { env?: Record<string, string>; timeoutMs?: number; built?: boolean } = {},
): Promise<Exit & { stdout: string; stderr: string }> {
  const run = spawnKurz(args, options.env ?? {}, [], options.built);
  try {
    const exit = await within(options.timeoutMs ?? 20_000, run.exited, () => `kurz ${args.join(' ')}\n${transcript(run)}`);
    return { ...exit, stdout: run.stdout(), stderr: run.stderr() };
  } finally {
    if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
  }
}

export type LogLine = Record<string, unknown> & { msg?: string };

/** A long-running kurz process (serve or worker). */
export interface Running {
  pid: number;
  /** Every JSON log line written so far. */
  logs: () => LogLine[];
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the first log line (already written or yet to come) that matches, or rejects after `timeoutMs`. */
  waitForLog: (match: (line: LogLine) => boolean, timeoutMs?: number) => Promise<LogLine>;
  /** Sends a signal without waiting. */
  signal: (signal: NodeJS.Signals) => void;
  /**
   * Sends SIGTERM (unless a signal was already sent: Kurz handles only the first one) and waits for
   * the process to exit; SIGKILLs it and rejects if that takes longer than `timeoutMs`.
   */
  stop: (timeoutMs?: number) => Promise<Exit>;
  /** SIGKILL; resolves with the exit once the process is gone. */
  kill: () => Promise<Exit>;
  exited: Promise<Exit>;
  /** Its stdout and stderr, for assertion messages. */
  transcript: () => string;
}

export interface Server extends Running {
  /** e.g. http://127.0.0.1:41234 */
  url: string;
}

function transcript(run: Pick<Spawned, 'stdout' | 'stderr'>): string {
  return `--- stdout ---\n${run.stdout()}\n--- stderr ---\n${run.stderr()}`;
}

function parseLogs(stdout: string): LogLine[] {
  const lines: LogLine[] = [];
  for (const text of stdout.split('\n')) {
    if (!text.trim()) continue;
    try {
      lines.push(JSON.parse(text) as LogLine);
    } catch {
      // a partly written line, or something that is not a log line: not ours to judge here
    }
  }
  return lines;
}

/**
 * Starts `kurz <args>` and resolves once it writes the log line `ready` accepts (rejecting with its
 * output if it exits first or takes longer than `timeoutMs`).
 */
export async function startKurz(
  args: string[],
  options: { env?: Record<string, string>; ready: (line: LogLine) => boolean; timeoutMs?: number; nodeArgs?: string[]; built?: boolean },
): Promise<Running & { readyLine: LogLine }> {
  const run = spawnKurz(args, { LOG_LEVEL: 'info', ...options.env }, options.nodeArgs, options.built);
  const logs = () => parseLogs(run.stdout());

  const waitForLog = (match: (line: LogLine) => boolean, timeoutMs = 20_000) =>
    within(
      timeoutMs,
      new Promise<LogLine>((resolve, reject) => {
        const check = () => {
          const found = logs().find(match);
          if (found) {
            done();
            resolve(found);
          }
        };
        const onExit = () => {
          check();
          done();
          reject(new Error(`kurz exited before the expected log line\n${transcript(run)}`));
        };
        const done = () => {
          run.child.stdout!.off('data', check);
          run.child.off('close', onExit);
        };
        run.child.stdout!.on('data', check);
        run.child.once('close', onExit);
        check();
      }),
      () => `waiting for a log line\n${transcript(run)}`,
    );

  let readyLine: LogLine;
  try {
    readyLine = await waitForLog(options.ready, options.timeoutMs ?? 20_000);
  } catch (err) {
    run.child.kill('SIGKILL');
    throw err;
  }

  const running = () => run.child.exitCode === null && run.child.signalCode === null;
  let signalled = false;
  const signal = (name: NodeJS.Signals) => {
    signalled = true;
    if (running()) run.child.kill(name);
  };
  const stop = async (timeoutMs = 15_000): Promise<Exit> => {
    if (!signalled) signal('SIGTERM');
    try {
      return await within(timeoutMs, run.exited, () => `waiting for kurz to exit after a signal\n${transcript(run)}`);
    } catch (err) {
      run.child.kill('SIGKILL');
      throw err;
    }
  };
  const kill = async (): Promise<Exit> => {
    if (running()) run.child.kill('SIGKILL');
    return within(5_000, run.exited, () => 'waiting for kurz to die after SIGKILL');
  };

  return {
    readyLine,
    pid: run.child.pid!,
    logs,
    stdout: run.stdout,
    stderr: run.stderr,
    transcript: () => transcript(run),
    waitForLog,
    signal,
    stop,
    kill,
    exited: run.exited,
  };
}

/**
 * Starts `kurz serve --port 0 --database-url sqlite:<databaseFile>` (or `--database-url <databaseUrl>`)
 * and resolves once it logs "Server listening at …" (from `listeners` distinct processes: cluster
 * workers each log it), with the URL read from that line.
 */
export async function startServer(options: {
  /** One of databaseFile (SQLite) and databaseUrl (any DATABASE_URL, such as postgres://…) is required. */
  databaseFile?: string;
  databaseUrl?: string;
  flags?: string[];
  env?: Record<string, string>;
  timeoutMs?: number;
  /** Flags for node itself, such as --cpu-prof. */
  nodeArgs?: string[];
  /** Runs dist/main.js instead of src/main.ts under tsx (see spawnKurz). */
  built?: boolean;
  /** How many processes must log "Server listening at" before the server counts as started; 1 by default. */
  listeners?: number;
}): Promise<Server> {
  const databaseUrl = options.databaseUrl ?? (options.databaseFile === undefined ? undefined : `sqlite:${options.databaseFile}`);
  if (databaseUrl === undefined) throw new Error('startServer needs databaseFile or databaseUrl');
  // Keyed by pid, so the predicate can be asked about the same line again (waitForLog rescans) without counting it twice.
  const listeners = new Set<string>();
  const listening = (line: LogLine) => {
    if (typeof line.msg !== 'string' || !line.msg.startsWith('Server listening at ')) return false;
    listeners.add(String(line.pid ?? JSON.stringify(line)));
    return listeners.size >= (options.listeners ?? 1);
  };
  const { readyLine, ...server } = await startKurz(
    ['serve', '--port', '0', '--database-url', databaseUrl, ...(options.flags ?? [])],
    { env: options.env, ready: listening, timeoutMs: options.timeoutMs, nodeArgs: options.nodeArgs, built: options.built },
  );
  return { ...server, url: String(readyLine.msg).slice('Server listening at '.length).trim() };
}

/** A fresh temporary directory, and a function that removes it. */
export function tempDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'kurz-e2e-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A temporary data folder for one test, and servers started on a database file inside it; all of
 * them are killed and the folder removed when the test ends, whether it passed or not.
 */
export function sandbox(t: TestContext): {
  dir: string;
  databaseFile: string;
  start: (options?: { flags?: string[]; env?: Record<string, string>; timeoutMs?: number }) => Promise<Server>;
} {
  const tmp = tempDir();
  const databaseFile = join(tmp.dir, 'kurz.db');
  const servers: Server[] = [];
  t.after(async () => {
    await Promise.all(servers.map((server) => server.kill().catch(() => undefined)));
    tmp.remove();
  });
  return {
    dir: tmp.dir,
    databaseFile,
    start: async (options = {}) => {
      const server = await startServer({ databaseFile, ...options });
      servers.push(server);
      return server;
    },
  };
}

/** fetch that never follows redirects, sends and parses JSON, and gives up after 10 s. */
export async function call(
  base: string,
  method: string,
  path: string,
  options: { body?: unknown; token?: string } = {},
): Promise<{ status: number; headers: Headers; body: any }> {
  const headers: Record<string, string> = {};
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const res = await fetch(new URL(path, base), {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    redirect: 'manual',
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  let body: unknown = text;
  if (text && (res.headers.get('content-type') ?? '').includes('json')) body = JSON.parse(text);
  return { status: res.status, headers: res.headers, body };
}
