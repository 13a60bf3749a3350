/**
 * Progress of long work on stderr. On a terminal: a bar with the count, the rate and the time left,
 * redrawn in place at most 10 times a second (more is flicker, and costs the work time). Otherwise
 * (a pipe, a log file): one plain line at every tenth of the way, so that a log keeps ten lines, not
 * thousands.
 */
import type { Sink } from './io.js';

/** Between two redraws of the bar: 100 ms, 10 a second. */
const REDRAW_MS = 100;
const BAR_WIDTH = 24;

export class Progress {
  private done = 0;
  private drawnAt = -Infinity;
  private tenthsShown = 0;
  private readonly started: number;

  constructor(
    private readonly sink: Sink,
    /** What is counted, such as "links". */
    private readonly unit: string,
    private readonly total: number,
    private readonly clock: () => number = Date.now,
  ) {
    this.started = clock();
  }

  /** `count` more are done. */
  advance(count: number): void {
    this.done = Math.min(this.total, this.done + count);
    if (this.sink.isTTY) {
      const now = this.clock();
      if (now - this.drawnAt < REDRAW_MS && this.done < this.total) return;
      this.drawnAt = now;
      this.sink.write(`\r${this.bar(now)}\u001b[K`);
      return;
    }
    const tenths = this.total === 0 ? 10 : Math.floor((this.done * 10) / this.total);
    if (tenths <= this.tenthsShown) return;
    // A batch that crosses several tenths says so once, with the true share.
    this.tenthsShown = tenths;
    const percent = this.total === 0 ? 100 : Math.floor((this.done * 100) / this.total);
    this.sink.write(`${percent}% (${fmt(this.done)} of ${fmt(this.total)} ${this.unit})\n`);
  }

  /** Ends the bar's line (a terminal's next line starts clean). */
  end(): void {
    if (this.sink.isTTY && this.drawnAt > -Infinity) this.sink.write('\n');
  }

  /** `[#####-----]  1,234/10,000 links  5,000/s  0:03 left` */
  bar(now: number): string {
    const share = this.total === 0 ? 1 : this.done / this.total;
    const filled = Math.round(share * BAR_WIDTH);
    const seconds = Math.max(0.001, (now - this.started) / 1000);
    const rate = this.done / seconds;
    const left = rate > 0 ? (this.total - this.done) / rate : Infinity;
    return `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${fmt(this.done)}/${fmt(this.total)} ${this.unit}  ${fmt(Math.round(rate))}/s  ${clockTime(left)} left`;
  }
}

const fmt = (n: number): string => n.toLocaleString('en-US');

/** 75 → "1:15", 3725 → "1:02:05"; unknown (no rate yet) → "?". */
export function clockTime(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.ceil(seconds);
  const [h, m, r] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  const mm = h > 0 ? String(m).padStart(2, '0') : String(m);
  return `${h > 0 ? `${h}:` : ''}${mm}:${String(r).padStart(2, '0')}`;
}
