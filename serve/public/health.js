// Pipeline-health panel of the dashboard, drawn from /api/health.
import { compact, hbars } from './charts.js';

const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const link = (href, text) => `<a href="${esc(href)}" target="_blank" rel="noopener">${esc(text)}</a>`;

/** "12 s ago" / "3 min ago" / "in 5 h". */
function relative(isoTime) {
  if (!isoTime) return '–';
  const s = Math.round((Date.parse(isoTime) - Date.now()) / 1000);
  const a = Math.abs(s);
  const v =
    a < 90
      ? `${a} s`
      : a < 5400
        ? `${Math.round(a / 60)} min`
        : a < 172800
          ? `${Math.round(a / 3600)} h`
          : `${Math.round(a / 86400)} d`;
  return s < 0 ? `${v} ago` : `in ${v}`;
}

function services(h) {
  document.getElementById('services').innerHTML = h.services
    .map(
      (
        s,
      ) => `<li data-service="${s.name}" data-up="${s.up}"><span class="dot ${s.up ? 'on' : 'off'}"></span><b>${s.name}</b>
      <span class="muted" title="${esc(s.error ?? s.detail)}">${esc(s.up ? s.detail : s.error)}</span><span class="lat">${s.latencyMs} ms</span></li>`,
    )
    .join('');
}

function stream(h) {
  const s = h.stream;
  const box = document.getElementById('stream');
  box.dataset.running = String(s.running);
  box.dataset.lag = s.lagTotal === null ? '' : String(s.lagTotal);
  box.innerHTML = `<dl class="kv">
      <dt>workflow</dt><dd>${link(s.url, s.workflowId)} <span class="st-${esc(s.status)}">${esc(s.status.toLowerCase())}${s.paused ? ' (paused)' : ''}</span></dd>
      <dt>last micro-batch</dt><dd>${relative(s.lastBatchAt)}${s.lastBatch ? ` · ${compact(s.lastBatch.read)} read in ${s.lastBatch.tookMs} ms` : ''}</dd>
      <dt>lag</dt><dd>${s.lagTotal === null ? '–' : `${compact(s.lagTotal)} messages`}</dd>
      <dt>processed</dt><dd>${s.totals ? `${compact(s.totals.events)} events in ${compact(s.totals.batches)} batches` : '–'}</dd>
    </dl><div id="lag-bars" class="gap-top"></div>`;
  if (s.lagByPartition) {
    hbars(
      document.getElementById('lag-bars'),
      Object.entries(s.lagByPartition).map(([p, v]) => ({ name: `partition ${p}`, value: v })),
      (v) => `${compact(v)} lag`,
    );
  }
  for (const p of s.problems ?? []) box.insertAdjacentHTML('beforeend', `<div class="problem">⚠ ${esc(p)}</div>`);
  if (s.error) box.insertAdjacentHTML('beforeend', `<div class="problem">⚠ ${esc(s.error)}</div>`);
}

function schedules(h) {
  document.getElementById('schedules').innerHTML = h.schedules
    .map(
      (s) =>
        `<li data-schedule="${esc(s.id)}">${link(s.url, s.id)} — ${s.exists ? `${s.paused ? 'paused' : `next ${relative(s.nextRuns[0])}`}<br><span class="muted">${esc(s.nextRuns[0] ?? '')}</span>` : '<span class="muted">not applied (viewership schedule apply)</span>'}</li>`,
    )
    .join('');
}

function batchRuns(h) {
  const rows = h.batch.runs.map(
    (
      r,
    ) => `<tr data-workflow="${esc(r.workflowId)}"><td>${link(r.url, r.date ?? r.workflowId)}</td><td class="st-${esc(r.status)}">${esc(r.status.toLowerCase())}</td>
    <td class="num">${compact(r.rowsLanded)}</td><td class="num">${compact(r.rowsRejected)}</td><td class="muted">${relative(r.closeTime ?? r.startTime)}</td></tr>`,
  );
  document.querySelector('#batch-runs tbody').innerHTML =
    rows.join('') ||
    `<tr><td colspan="5" class="empty">no batch runs yet — ${link(h.batch.url, 'open in Temporal')}</td></tr>`;
}

function rejects(h) {
  const d = h.deadLetters;
  const q = h.quarantine;
  const box = document.getElementById('rejects');
  box.dataset.deadLetters = String(d.total);
  box.dataset.quarantined = String(q.rejectedRows);
  box.innerHTML = `<dl class="kv">
      <dt>dead letters</dt><dd><b>${compact(d.total)}</b> <span class="muted">(${compact(d.lastHour)} in the last hour)</span></dd>
      <dt>late events</dt><dd>${compact(d.late)}</dd>
      <dt>duplicates dropped</dt><dd>${compact(d.duplicates)}</dd>
      <dt>quarantined rows</dt><dd><b>${compact(q.rejectedRows)}</b> <span class="muted">(batch view, all days)</span></dd>
    </dl><div id="quarantine-days" class="gap-top"></div>`;
  hbars(
    document.getElementById('quarantine-days'),
    q.days.map((x) => ({ name: x.date, value: x.rejectedRows, source: 'batch' })),
  );
}

/** The ad stream's state in the ads panel's title, and its campaigns file's problem under the panel. */
function ads(h) {
  const badge = document.getElementById('ads-stream');
  if (!badge || !h.ads) return;
  const a = h.ads;
  badge.textContent = `${a.state}${a.stream.lagTotal === null ? '' : ` · lag ${compact(a.stream.lagTotal)}`}${a.stream.lastBatchAt ? ` · last batch ${relative(a.stream.lastBatchAt)}` : ''}`;
  badge.className = `badge ${a.state === 'running' ? 'ok' : 'degraded'}`;
  badge.title = a.stream.workflowId;
  badge.dataset.state = a.state;
  const box = document.getElementById('ads-campaigns-problem');
  box.dataset.campaigns = String(a.campaigns.campaigns);
  box.innerHTML = a.campaigns.problem ? `<div class="problem">⚠ campaigns file: ${esc(a.campaigns.problem)}</div>` : '';
}

/** Draw the health panel. */
export function renderHealth(h) {
  const badge = document.getElementById('health-status');
  badge.textContent = h.status;
  badge.className = `badge ${h.status}`;
  document.getElementById('temporal-link').href = h.temporalUiUrl;
  services(h);
  stream(h);
  schedules(h);
  batchRuns(h);
  rejects(h);
  ads(h);
}
