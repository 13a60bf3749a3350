/**
 * A Kurz server for a benchmark row: the built dist/main.js in its own process (start-up costs about
 * a second instead of three under tsx), on a SQLite file or a postgres:// URL, with its peak memory
 * readable from /proc (Linux).
 *
 * A server can be started `paused`: once it listens it is frozen (SIGSTOP) until `resume`. The bench
 * starts all its servers at once, before measuring anything (start-up is ~1.5 s of CPU each, most of
 * a --quick run's overhead, and starting them one by one leaves a core idle), and an idle Kurz still
 * uses about 1% of a core (timers): frozen, the servers waiting for their rows take nothing from the
 * one being measured.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { startServer, type Server } from '../test/e2e/process-helpers.js';
import { JWT_SECRET } from './targets.js';
import { pin } from './load.js';

/** As `npm start` runs Kurz: a larger young generation, a bounded old one (see docs/PERFORMANCE.md, "Memory"). */
const NODE_FLAGS = ['--max-semi-space-size=32', '--max-old-space-size=1024'];

export interface Kurz {
  url: string;
  /** Continues a server started `paused` or frozen (SIGCONT); harmless otherwise. */
  resume: () => void;
  /** Freezes the server (SIGSTOP), primary and workers, while another one is measured. */
  freeze: () => void;
  /** The server's processes: the primary, and its workers with --workers. */
  pids: () => number[];
  /**
   * Pins every process and thread of the server to core 0 (wrk runs on core 1: bench/load.ts), on a
   * machine with two or more. Done when its row starts, not at start-up: the servers start at once,
   * on both cores.
   */
  pin: () => void;
  /** Forgets the processes' peak resident set, so the next peakMb covers what comes after (one row). */
  resetPeak: () => void;
  /** VmHWM in MB: of the server process, or the sum over the primary and its workers with --workers. */
  peakMb: () => number;
  /** VmRSS in MB now, summed the same way. */
  rssMb: () => number;
  stop: () => Promise<void>;
}

export async function startKurz(options: {
  /** A SQLite file path or a postgres:// URL. */
  database: string;
  env?: Record<string, string>;
  /** `kurz serve --workers N`: waits until all N workers listen. */
  workers?: number;
  paused?: boolean;
}): Promise<Kurz> {
  const postgres = options.database.startsWith('postgres');
  const workers = options.workers ?? 1;
  const server: Server = await startServer({
    ...(postgres ? { databaseUrl: options.database } : { databaseFile: options.database }),
    built: true,
    nodeArgs: NODE_FLAGS,
    flags: workers > 1 ? ['--workers', String(workers)] : [],
    listeners: workers,
    // Every server of a run starts at once: on the shared 2-core machine at load 19, one took over 30 s.
    timeoutMs: 90_000,
    // Request logs would cost more than some of what is measured; redirects keep their 1% sample.
    env: { LOG_REQUESTS: '0', ...(postgres ? { JWT_SECRET } : {}), ...options.env },
  });
  const pids = () => [server.pid, ...childrenOf(server.pid)];
  const signal = (name: NodeJS.Signals) => {
    for (const pid of pids()) {
      try {
        process.kill(pid, name);
      } catch {
        // exited already
      }
    }
  };
  if (options.paused) signal('SIGSTOP');
  const resume = () => signal('SIGCONT');
  return {
    url: server.url,
    resume,
    freeze: () => signal('SIGSTOP'),
    pids,
    pin: () => pin(pids()),
    resetPeak: () => {
      // "5" resets VmHWM to the current RSS (Linux ≥ 4.0); if refused, the peak is since start-up.
      for (const pid of pids()) {
        try {
          writeFileSync(`/proc/${pid}/clear_refs`, '5');
        } catch {
          // not Linux, or not allowed: keep the peak since start-up
        }
      }
    },
    peakMb: () => pids().reduce((sum, pid) => sum + statusKb(pid, 'VmHWM'), 0) / 1024,
    rssMb: () => pids().reduce((sum, pid) => sum + statusKb(pid, 'VmRSS'), 0) / 1024,
    stop: async () => {
      resume(); // a frozen process would not act on SIGTERM
      await server.stop();
    },
  };
}

function statusKb(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
}

/** Direct children (cluster workers) of `pid`, from every thread's children list. */
function childrenOf(pid: number): number[] {
  const children: number[] = [];
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const list = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      if (list) children.push(...list.split(/\s+/).map(Number));
    }
  } catch {
    // gone already, or no /proc: the primary alone
  }
  return children;
}
