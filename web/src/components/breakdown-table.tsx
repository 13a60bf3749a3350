import type { Breakdown } from '../types';

/** One breakdown of a link's clicks (referrer, country …) as a table named by its caption. */
export function BreakdownTable({ caption, column, rows }: { caption: string; column: string; rows: Breakdown[] }) {
  return (
    <table class="breakdown">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">{column}</th>
          <th scope="col" class="num">Clicks</th>
        </tr>
      </thead>
      <tbody>
        {rows.length === 0 ? (
          <tr>
            <td colSpan={2} class="muted">No clicks in this range</td>
          </tr>
        ) : (
          rows.map((row) => (
            <tr key={row.value}>
              <td>{row.value || '(none)'}</td>
              <td class="num">{row.clicks}</td>
            </tr>
          ))
        )}
      </tbody>
    </table>
  );
}
