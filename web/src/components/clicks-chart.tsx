import { useEffect, useRef, useState } from 'preact/hooks';
import type { Interval, Stats } from '../types';
import { formatBucket } from '../format';

/**
 * Clicks over time. The canvas says nothing to a screen reader, so the same numbers are also a
 * table, folded under the chart.
 */
export function ClicksChart({ series, interval }: { series: Stats['series']; interval: Interval }) {
  const box = useRef<HTMLDivElement>(null);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    const target = box.current;
    if (!target) return;
    let live = true;
    let cleanup = () => {};
    import('./uplot-chart')
      .then(({ drawChart }) => {
        if (!live) return;
        const times = series.map((p) => Date.parse(p.t) / 1000);
        const chart = drawChart(target, times, series.map((p) => p.clicks), interval);
        const observer = new ResizeObserver(() => chart.resize(target.clientWidth));
        observer.observe(target);
        cleanup = () => {
          observer.disconnect();
          chart.destroy();
        };
      })
      .catch(() => live && setFailed(true));
    return () => {
      live = false;
      cleanup();
    };
  }, [series, interval]);

  const unit = interval === 'hour' ? 'hour' : 'day';
  return (
    <figure class="chart-figure">
      <div ref={box} class="chart" role="img" aria-label={`Chart of clicks per ${unit}; the same numbers are in the table below it`} />
      {failed && <p class="muted">The chart could not be loaded; the numbers are in the table below.</p>}
      <details>
        <summary>Clicks per {unit} as a table</summary>
        <table>
          <caption class="visually-hidden">Clicks per {unit}</caption>
          <thead>
            <tr>
              <th scope="col">{interval === 'hour' ? 'Hour' : 'Day'}</th>
              <th scope="col" class="num">Clicks</th>
            </tr>
          </thead>
          <tbody>
            {series.map((p) => (
              <tr key={p.t}>
                <td>{formatBucket(p.t, interval)}</td>
                <td class="num">{p.clicks}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
