// Dashboard panel of the ad-analytics stream: impressions, CTR and cost per minute and the top campaigns of the
// dashboard's window, from /api/ads. Kept in window.__ads for the browser test; the headline numbers are
// mirrored in data-value attributes (the exact decimal strings of the API for money).
import { compact, hbars, pct, timeSeries } from './charts.js';

const params = new URLSearchParams(location.search);
const MINUTES = Math.max(5, Math.min(24 * 60, Number(params.get('minutes')) || 60));
const REFRESH_MS = Math.max(500, Number(params.get('refreshMs')) || 3000);
const MIN = 60_000;
const TOP = 10;

const state = (window.__ads = {
  polls: 0,
  error: null,
  window: null,
  streamId: null,
  total: null,
  series: { impressions: [], ctr: [], cost: [] },
  topCampaigns: [],
});

/** Money for axis and bar labels (the KPI shows the API's exact string). */
const money = (v) => (v === null || v === undefined ? '–' : v >= 1000 ? compact(v) : v.toFixed(v >= 10 ? 2 : 4));

async function api(query) {
  const res = await fetch(`/api/ads?${new URLSearchParams(query)}`);
  const body = await res.json();
  if (!res.ok) throw new Error(body.error ?? String(res.status));
  return body;
}

function setKpi(name, value, text) {
  const box = document.querySelector(`[data-ads-kpi="${name}"]`);
  box.dataset.value = value === null || value === undefined ? '' : String(value);
  box.querySelector('b').textContent = text;
}

async function poll() {
  const host = document.getElementById('ads');
  if (!host) return;
  const status = document.getElementById('ads-status');
  try {
    const toMs = Math.ceil((Date.now() + 1) / MIN) * MIN;
    const fromMs = toMs - MINUTES * MIN;
    const range = { from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString() };
    const [series, campaigns] = await Promise.all([
      api({ ...range, interval: 'minute' }),
      // Day buckets of the window (two when it crosses midnight), the top campaigns of each, merged here.
      api({ ...range, interval: 'day', groupBy: 'campaign_id', limit: String(TOP) }),
    ]);
    const pts = (f) => series.buckets.map((b) => ({ t: Date.parse(b.start), v: f(b.metrics), source: 'speed' }));
    state.window = range;
    state.streamId = series.streamId;
    state.total = series.total;
    state.series = {
      impressions: pts((m) => m.impressions),
      ctr: pts((m) => m.ctr ?? 0),
      cost: pts((m) => Number(m.cost)),
    };
    const byCampaign = new Map();
    for (const b of campaigns.buckets) {
      const id = b.group.campaign_id;
      const g = byCampaign.get(id) ?? { name: id, value: 0, clicks: 0, source: 'speed' };
      g.value += b.metrics.impressions;
      g.clicks += b.metrics.clicks;
      byCampaign.set(id, g);
    }
    state.topCampaigns = [...byCampaign.values()]
      .sort((a, b) => b.value - a.value || (a.name < b.name ? -1 : 1))
      .slice(0, TOP);
    state.error = null;

    const t = series.total;
    setKpi('impressions', t.impressions, compact(t.impressions));
    setKpi('clicks', t.clicks, compact(t.clicks));
    setKpi('ctr', t.ctr, pct(t.ctr));
    setKpi('cost', t.cost, t.cost);
    setKpi('cpc', t.cpc, t.cpc ?? '–');
    const slot = { fromMs, toMs, stepMs: MIN, label: (ms) => new Date(ms).toISOString().slice(11, 16) };
    timeSeries(document.getElementById('chart-ads-impressions'), state.series.impressions, {
      ...slot,
      format: compact,
    });
    timeSeries(document.getElementById('chart-ads-ctr'), state.series.ctr, {
      ...slot,
      format: pct,
      kind: 'line',
      name: 'CTR',
    });
    timeSeries(document.getElementById('chart-ads-cost'), state.series.cost, { ...slot, format: money });
    hbars(document.getElementById('chart-ads-campaigns'), state.topCampaigns);
    status.textContent = `stream ${series.streamId} · ${t.unknownCampaignImpressions ? `${compact(t.unknownCampaignImpressions)} impressions of unknown campaigns · ` : ''}avg view ${t.avgViewMs === null ? '–' : `${(t.avgViewMs / 1000).toFixed(1)} s`} · CPI ${t.cpi ?? '–'}`;
  } catch (err) {
    state.error = String(err.message ?? err);
    status.textContent = `ads unavailable: ${state.error}`;
  } finally {
    state.polls++;
    host.dataset.polls = String(state.polls);
  }
}

async function loop() {
  await poll();
  setTimeout(loop, REFRESH_MS);
}

loop();
