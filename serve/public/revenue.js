// Dashboard panel of the orders import: daily paid revenue of the last 14 days from /api/revenue (refreshed every
// minute), a bar per complete day and the range's totals. Kept in window.__revenue for the browser test.
import { compact, hbars } from './charts.js';

const DAYS = 14;
const REFRESH_MS = 60_000;
const state = (window.__revenue = { polls: 0, error: null, days: [], total: null });

async function poll() {
  const host = document.getElementById('revenue');
  if (!host) return;
  try {
    const to = new Date().toISOString().slice(0, 10);
    const from = new Date(Date.now() - (DAYS - 1) * 86_400_000).toISOString().slice(0, 10);
    const res = await fetch(`/api/revenue?${new URLSearchParams({ from, to })}`);
    const body = await res.json();
    if (!res.ok) throw new Error(body.error ?? String(res.status));
    state.days = body.days;
    state.total = body.total;
    state.error = null;
    // Bar lengths from the amounts as numbers; the labels print them with their 2 decimals (the API's strings are exact).
    hbars(
      host.querySelector('.bars'),
      body.days
        .slice()
        .reverse()
        .map((d) => ({ name: d.date.slice(5), value: Number(d.paidAmount), source: 'batch' })),
      (v) => v.toFixed(2),
    );
    host.querySelector('.totals').textContent = body.days.length
      ? `${body.days.length} days: ${compact(body.total.orders)} orders, paid ${body.total.paidAmount}, refunded ${body.total.refundedAmount}`
      : 'no aggregated day in the last 14 days (viewership orders run --date …)';
  } catch (err) {
    state.error = err.message;
    host.querySelector('.totals').textContent = `revenue unavailable: ${err.message}`;
  } finally {
    state.polls++;
  }
}

poll();
setInterval(poll, REFRESH_MS);
