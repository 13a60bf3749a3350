/**
 * The soak row (`npm run bench -- --soak`): does a server's memory stay bounded under a long load, and
 * does it come back once the load stops? One Kurz, as npm start runs it, takes the Zipf mix for
 * `seconds` (5 minutes), then nothing for `idleSeconds` (30 s). Every 5 s the server's resident set is
 * read from /proc, and V8's heap and external memory from its /metrics (prom-client's default gauges),
 * so the split is measured from outside without touching the server.
 */
import type { Kurz } from './kurz.js';
import { drive, type Workload } from './load.js';

export interface MemorySample {
  /** Seconds since the load started. */
  at: number;
  /** VmRSS: resident memory, everything included. */
  rssMb: number;
  /** V8 heap in use (live objects and garbage not yet collected) and reserved, and memory outside it that V8 tracks (Buffers). */
  heapUsedMb?: number;
  heapTotalMb?: number;
  externalMb?: number;
}

export interface SoakRow {
  scenario: string;
  workload: string;
  rps: number;
  /** Samples at the start, at each minute mark under load (1, 3, 5), at the end of the load, and after the idle time. */
  marks: { label: string; sample: MemorySample }[];
  /** VmHWM over the whole run: the peak between samples too. */
  peakMb: number;
  samples: MemorySample[];
}

const MINUTE_MARKS = [60, 180, 300];
const IDLE_MARK = 30;

export async function soak(
  kurz: Kurz,
  scenario: string,
  workload: Workload,
  options: { connections: number; seconds: number; idleSeconds: number; everySeconds?: number },
): Promise<SoakRow> {
  const { connections, seconds, idleSeconds, everySeconds = 5 } = options;
  const samples: MemorySample[] = [];
  const started = Date.now();
  const take = async () => {
    const sample = await sampleOf(kurz, (Date.now() - started) / 1000);
    samples.push(sample);
    return sample;
  };
  kurz.resetPeak();
  const marks: SoakRow['marks'] = [{ label: 'start', sample: await take() }];
  const timer = setInterval(() => void take(), everySeconds * 1000);
  let measured;
  let end;
  let last;
  try {
    measured = await drive(kurz.url, workload, connections, seconds);
    end = await take();
    await new Promise((resolve) => setTimeout(resolve, idleSeconds * 1000));
    last = await take();
  } finally {
    clearInterval(timer);
  }
  const nearest = (at: number) => samples.reduce((a, b) => (Math.abs(b.at - at) < Math.abs(a.at - at) ? b : a));
  for (const mark of MINUTE_MARKS.filter((m) => m < seconds)) marks.push({ label: `${mark / 60} min`, sample: nearest(mark) });
  marks.push({ label: `${+(seconds / 60).toFixed(1)} min (end)`, sample: end });
  // Past 30 s of idle (--idle-seconds), the sample nearest 30 s in is reported too.
  if (idleSeconds > IDLE_MARK) marks.push({ label: `${IDLE_MARK} s idle`, sample: nearest(end.at + IDLE_MARK) });
  marks.push({ label: `${idleSeconds} s idle`, sample: last });
  return { scenario, workload: workload.name, rps: measured.rps, marks, peakMb: kurz.peakMb(), samples };
}

/** VmRSS, and what the server's /metrics says of V8's heap (left out if the scrape fails). */
async function sampleOf(kurz: Kurz, at: number): Promise<MemorySample> {
  const sample: MemorySample = { at: Math.round(at), rssMb: kurz.rssMb() };
  try {
    const text = await (await fetch(`${kurz.url}/metrics`)).text();
    const gauge = (name: string) => {
      const value = new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1];
      return value === undefined ? undefined : Number(value) / 2 ** 20;
    };
    sample.heapUsedMb = gauge('nodejs_heap_size_used_bytes');
    sample.heapTotalMb = gauge('nodejs_heap_size_total_bytes');
    sample.externalMb = gauge('nodejs_external_memory_bytes');
  } catch {
    // a scrape that fails under load leaves the V8 columns empty for this sample
  }
  return sample;
}

/** Markdown: resident MB at each mark, the peak, and V8's heap (used / reserved) beside it. */
export function printSoak(rows: SoakRow[]): void {
  if (rows.length === 0) return;
  const labels = rows[0]!.marks.map((m) => m.label);
  const mb = (x: number | undefined) => (x === undefined ? '' : x.toFixed(0));
  const columns = ['scenario', 'requests/s', ...labels.map((l) => `RSS ${l}`), 'peak RSS', ...labels.map((l) => `heap used / total ${l}`)];
  console.log(`| ${columns.join(' | ')} |`);
  console.log(`|${columns.map(() => '---|').join('')}`);
  for (const r of rows) {
    const heap = r.marks.map(({ sample: s }) => `${mb(s.heapUsedMb)} / ${mb(s.heapTotalMb)}`);
    console.log(`| ${[r.scenario, mb(r.rps), ...r.marks.map((m) => mb(m.sample.rssMb)), mb(r.peakMb), ...heap].join(' | ')} |`);
  }
}
