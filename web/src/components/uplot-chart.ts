/**
 * uPlot and its stylesheet, loaded only by the stats page (see clicks-chart.tsx), so the rest of
 * the dashboard does not download a charting library.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Interval } from '../types';

export interface ChartHandle {
  resize(width: number): void;
  destroy(): void;
}

const HEIGHT = 260;
const DAY = 86_400; // uPlot's time scale is in seconds

/** Draws clicks over time into `target`; colors come from the page's CSS, so dark mode applies. */
export function drawChart(target: HTMLElement, times: number[], clicks: number[], interval: Interval): ChartHandle {
  const css = getComputedStyle(target);
  const ink = css.color;
  const accent = css.getPropertyValue('--accent').trim() || '#1d4ed8';
  const grid = css.getPropertyValue('--border').trim() || '#ccc';
  const axis = { stroke: ink, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
  const plot = new uPlot(
    {
      width: Math.max(280, target.clientWidth),
      height: HEIGHT,
      // Day buckets are UTC days; hours read best in the viewer's own zone.
      ...(interval === 'day' && { tzDate: (ts: number) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC') }),
      series: [
        { value: interval === 'hour' ? '{YYYY}-{MM}-{DD} {HH}:00' : '{YYYY}-{MM}-{DD}' },
        { label: 'Clicks', stroke: accent, fill: /^#[0-9a-f]{6}$/i.test(accent) ? `${accent}33` : undefined, width: 2, points: { show: times.length <= 60 } },
      ],
      // Clicks are whole numbers: no 0.5 ticks, and a flat zero line still shows a scale.
      scales: { y: { range: (_u, _min, max) => [0, Math.max(4, Math.ceil(max * 1.1))] } },
      axes: [
        // Day buckets get day ticks only: an hour on the axis would suggest a time the count does not have.
        interval === 'day' ? { ...axis, incrs: [DAY, 2 * DAY, 7 * DAY, 30 * DAY, 365 * DAY], values: '{MMM} {D}' } : axis,
        { ...axis, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 100_000, 1_000_000] },
      ],
      legend: { show: true },
    },
    [times, clicks],
    target,
  );
  return {
    resize: (width) => plot.setSize({ width: Math.max(280, width), height: HEIGHT }),
    destroy: () => plot.destroy(),
  };
}
