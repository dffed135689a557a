// The live dashboard: polls the serving API, keeps the chart data in `window.__dashboard` (read by the browser
// test) and mirrors the headline numbers in data-* attributes.
import { compact, duration, hbars, pct, statusStack, timeSeries } from './charts.js';
import { renderHealth } from './health.js';

const params = new URLSearchParams(location.search);
const MINUTES = Math.max(5, Math.min(24 * 60, Number(params.get('minutes')) || 60));
const REFRESH_MS = Math.max(500, Number(params.get('refreshMs')) || 3000);
const MIN = 60_000;
const DAY = 86_400_000;

const state = (window.__dashboard = {
  polls: 0,
  updatedAt: null,
  error: null,
  minutes: MINUTES,
  window: null,
  kpis: { eventsPerMinute: null, events: null, uniqueCustomers: null, watchMs: null, errorRate: null },
  series: { eventsPerMinute: [], uniqueCustomersPerMinute: [], watchMsPerMinute: [] },
  byStatusCategory: {},
  topContent: [],
  byCountry: [],
  byPlan: [],
  daily: [],
  health: null,
});

async function api(path, query) {
  const res = await fetch(`${path}?${new URLSearchParams(query)}`);
  const body = await res.json();
  if (!res.ok) throw new Error(`${path}: ${body.error ?? res.status}`);
  return body;
}

const iso = (ms) => new Date(ms).toISOString();
const sum = (xs, f) => xs.reduce((n, x) => n + (f(x) ?? 0), 0);
const hhmm = (ms) => new Date(ms).toISOString().slice(11, 16);
const dayLabel = (ms) => new Date(ms).toISOString().slice(5, 10);

/**
 * Sum a metric per group value over buckets, largest first, remembering which views contributed. A group's unique
 * customers stay null ("not known", never a made-up 0) once a bucket has none: the speed view keeps no per-group
 * customer sketches, and the batch view cannot count some groups either.
 */
function groups(buckets, dim) {
  const m = new Map();
  for (const b of buckets) {
    const name = b.group[dim] ?? '(all)';
    const g = m.get(name) ?? { name, value: 0, uniqueCustomers: 0, source: b.source };
    g.value += b.metrics.events ?? 0;
    const u = b.metrics.uniqueCustomers;
    g.uniqueCustomers = g.uniqueCustomers === null || u === null || u === undefined ? null : g.uniqueCustomers + u;
    if (g.source !== b.source) g.source = 'mixed';
    m.set(name, g);
  }
  return [...m.values()].sort((a, b) => b.value - a.value);
}

function setKpi(name, value, text) {
  state.kpis[name] = value;
  const box = document.querySelector(`[data-kpi="${name}"]`);
  box.dataset.value = value === null ? '' : String(value);
  box.querySelector('b').textContent = text;
}

async function poll() {
  const toMs = Math.ceil((Date.now() + 1) / MIN) * MIN;
  const fromMs = toMs - MINUTES * MIN;
  const today = Math.floor(Date.now() / DAY) * DAY;
  const range = { from: iso(fromMs), to: iso(toMs) };
  const [series, totals, content, country, plan, daily, health] = await Promise.all([
    api('/api/viewership', {
      ...range,
      interval: 'minute',
      metrics: 'events,uniqueCustomers,watchMs,byStatusCategory',
    }),
    api('/api/viewership', { ...range, interval: 'day', metrics: 'events,uniqueCustomers,watchMs' }),
    api('/api/viewership', {
      ...range,
      interval: 'day',
      groupBy: 'content_id',
      limit: '10',
      metrics: 'events,uniqueCustomers',
    }),
    api('/api/viewership', { ...range, interval: 'day', groupBy: 'country', metrics: 'events,uniqueCustomers' }),
    api('/api/viewership', { ...range, interval: 'day', groupBy: 'plan', metrics: 'events,uniqueCustomers' }),
    // No uniqueCustomers here: the chart shows events, and the speed view's unique customers merge one sketch per
    // window and partition (over a day of speed windows, thousands of documents on every poll).
    api('/api/viewership', {
      from: iso(today - 6 * DAY),
      to: iso(today + DAY),
      interval: 'day',
      metrics: 'events,errorRate',
    }),
    api('/api/health', {}),
  ]);
  state.window = { from: range.from, to: range.to };
  const pts = (f) => series.buckets.map((b) => ({ t: Date.parse(b.start), v: f(b), source: b.source }));
  state.series = {
    eventsPerMinute: pts((b) => b.metrics.events),
    uniqueCustomersPerMinute: pts((b) => b.metrics.uniqueCustomers),
    watchMsPerMinute: pts((b) => b.metrics.watchMs),
  };
  const byCat = {};
  for (const b of series.buckets)
    for (const [k, v] of Object.entries(b.metrics.byStatusCategory ?? {})) byCat[k] = (byCat[k] ?? 0) + v;
  state.byStatusCategory = byCat;
  state.topContent = groups(content.buckets, 'content_id').slice(0, 10);
  state.byCountry = groups(country.buckets, 'country');
  state.byPlan = groups(plan.buckets, 'plan');
  state.daily = daily.buckets.map((b) => ({
    t: Date.parse(b.start),
    day: b.start.slice(0, 10),
    v: b.metrics.events,
    source: b.source,
  }));
  state.health = health;

  const lastFull = series.buckets.find((b) => Date.parse(b.start) === toMs - 2 * MIN);
  const events = sum(series.buckets, (b) => b.metrics.events);
  const errors = sum(Object.entries(byCat), ([k, v]) => (/^[45]/.test(k) ? v : 0));
  const catTotal = sum(Object.values(byCat), (v) => v);
  setKpi('eventsPerMinute', lastFull?.metrics.events ?? 0, compact(lastFull?.metrics.events ?? 0));
  setKpi('events', events, compact(events));
  const uniques = sum(totals.buckets, (b) => b.metrics.uniqueCustomers);
  setKpi('uniqueCustomers', uniques, `${totals.buckets.length > 1 ? '≤ ' : ''}${compact(uniques)}`);
  const watch = sum(series.buckets, (b) => b.metrics.watchMs);
  setKpi('watchMs', watch, duration(watch));
  setKpi('errorRate', catTotal ? errors / catTotal : null, catTotal ? pct(errors / catTotal) : '–');

  const slot = { fromMs, toMs, stepMs: MIN, label: hhmm };
  timeSeries(document.getElementById('chart-events'), state.series.eventsPerMinute, { ...slot, format: compact });
  timeSeries(document.getElementById('chart-customers'), state.series.uniqueCustomersPerMinute, {
    ...slot,
    format: compact,
    kind: 'line',
    name: 'unique customers',
  });
  timeSeries(document.getElementById('chart-watch'), state.series.watchMsPerMinute, { ...slot, format: duration });
  timeSeries(document.getElementById('chart-daily'), state.daily, {
    fromMs: today - 6 * DAY,
    toMs: today + DAY,
    stepMs: DAY,
    label: dayLabel,
    format: compact,
  });
  statusStack(document.getElementById('chart-status'), byCat);
  hbars(document.getElementById('chart-content'), state.topContent);
  hbars(document.getElementById('chart-country'), state.byCountry.slice(0, 10));
  hbars(document.getElementById('chart-plan'), state.byPlan);
  for (const [id, total] of [
    ['chart-events', events],
    ['chart-watch', watch],
    ['chart-country', sum(state.byCountry, (g) => g.value)],
    ['chart-plan', sum(state.byPlan, (g) => g.value)],
  ]) {
    document.getElementById(id).dataset.total = String(total);
  }
  renderHealth(health);
}

async function loop() {
  const dot = document.getElementById('live-dot');
  try {
    await poll();
    state.polls++;
    state.updatedAt = new Date().toISOString();
    state.error = null;
    dot.className = 'dot on';
    document.getElementById('updated').textContent =
      `updated ${state.updatedAt.slice(11, 19)} UTC · every ${REFRESH_MS / 1000} s`;
  } catch (err) {
    state.error = String(err.message ?? err);
    dot.className = 'dot off';
    document.getElementById('updated').textContent = `update failed: ${state.error}`;
  }
  document.body.dataset.polls = String(state.polls);
  setTimeout(loop, REFRESH_MS);
}

document.getElementById('window-label').textContent = `last ${MINUTES} minutes · UTC`;
loop();
