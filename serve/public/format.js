// Number formats of the dashboard: axis labels, bar labels, tooltips and KPIs.
const nf = new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 1 });

/** Compact number (1.2K, 3.4M). */
export const compact = (n) => (n === null || n === undefined ? '–' : nf.format(n));

/** Milliseconds as hours/minutes of watch time. */
export function duration(ms) {
  if (ms === null || ms === undefined) return '–';
  const h = ms / 3_600_000;
  return h >= 1 ? `${h >= 100 ? Math.round(h) : h.toFixed(1)} h` : `${Math.round(ms / 60_000)} min`;
}

/** A share as a percentage. */
export const pct = (r) =>
  r === null || r === undefined || Number.isNaN(r) ? '–' : `${(r * 100).toFixed(r < 0.1 ? 2 : 1)} %`;
