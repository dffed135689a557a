// Small dependency-free charts (SVG time series, HTML bars), drawn at the element's current width.
const SVG = 'http://www.w3.org/2000/svg';
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

const el = (tag, attrs = {}, parent) => {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (parent) parent.appendChild(e);
  return e;
};

function niceMax(v) {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  return [1, 2, 2.5, 5, 10].map((m) => m * p).find((m) => m >= v) ?? v;
}

/**
 * Time series: bars (or an area line) of `points` = [{t, v, source}] over [fromMs, toMs) in `stepMs` slots;
 * bars are coloured by source (speed/batch). Missing slots are drawn as zero.
 */
export function timeSeries(host, points, o) {
  const w = host.clientWidth || 600;
  const h = host.clientHeight || 190;
  const pad = { l: 44, r: 8, t: 8, b: 20 };
  host.replaceChildren();
  const svg = el('svg', { width: w, height: h, viewBox: `0 0 ${w} ${h}`, role: 'img' }, host);
  const slots = Math.max(1, Math.round((o.toMs - o.fromMs) / o.stepMs));
  const bySlot = new Map(points.map((p) => [Math.floor((p.t - o.fromMs) / o.stepMs), p]));
  const max = niceMax(Math.max(0, ...points.map((p) => p.v ?? 0)));
  const x = (i) => pad.l + (i / slots) * (w - pad.l - pad.r);
  const y = (v) => h - pad.b - (v / max) * (h - pad.t - pad.b);
  for (let k = 0; k <= 4; k++) {
    const v = (max * k) / 4;
    el('line', { x1: pad.l, x2: w - pad.r, y1: y(v), y2: y(v), class: 'grid-line' }, svg);
    el('text', { x: pad.l - 6, y: y(v) + 4, 'text-anchor': 'end' }, svg).textContent = o.format(v);
  }
  const labelEvery = Math.max(1, Math.ceil(slots / 6));
  for (let i = 0; i < slots; i += labelEvery) {
    el('text', { x: x(i), y: h - 5 }, svg).textContent = o.label(o.fromMs + i * o.stepMs);
  }
  const bw = Math.max(1, (w - pad.l - pad.r) / slots - (slots > 40 ? 1 : 3));
  if (o.kind === 'line') {
    const pts = Array.from({ length: slots }, (_, i) => [x(i) + bw / 2, y(bySlot.get(i)?.v ?? 0)]);
    const d = pts.map(([px, py], i) => `${i ? 'L' : 'M'}${px.toFixed(1)},${py.toFixed(1)}`).join('');
    el(
      'path',
      { d: `${d}L${pts[pts.length - 1][0]},${y(0)}L${pts[0][0]},${y(0)}Z`, fill: 'var(--speed)', opacity: 0.15 },
      svg,
    );
    el('path', { d, fill: 'none', stroke: 'var(--speed)', 'stroke-width': 2 }, svg);
  }
  for (const [i, p] of bySlot) {
    if (i < 0 || i >= slots) continue;
    if (o.kind === 'line') continue;
    const v = p.v ?? 0;
    const r = el(
      'rect',
      {
        x: x(i) + 0.5,
        y: y(v),
        width: bw,
        height: Math.max(0, y(0) - y(v)),
        rx: 1.5,
        fill: p.source === 'batch' ? 'var(--batch)' : 'var(--speed)',
      },
      svg,
    );
    el('title', {}, r).textContent = `${o.label(p.t)} — ${o.format(v)} (${p.source})`;
  }
  if (points.length === 0) el('text', { x: w / 2, y: h / 2, 'text-anchor': 'middle' }, svg).textContent = 'no data yet';
}

/** Horizontal bars of [{name, value, source}] (largest first), value text via `format`. */
export function hbars(host, items, format = compact) {
  host.replaceChildren();
  if (items.length === 0) {
    host.innerHTML = '<div class="empty">no data yet</div>';
    return;
  }
  const max = Math.max(...items.map((i) => i.value));
  const box = document.createElement('div');
  box.className = 'hbars';
  for (const it of items) {
    const row = document.createElement('div');
    row.className = 'hbar';
    row.dataset.name = it.name;
    row.dataset.value = String(it.value);
    row.innerHTML = `<span class="name"></span><span class="track"><span class="fill ${it.source === 'batch' ? 'batch' : ''}"></span></span><span class="val"></span>`;
    row.querySelector('.name').textContent = it.name;
    row.querySelector('.name').title = it.name;
    row.querySelector('.fill').style.width = `${max ? (100 * it.value) / max : 0}%`;
    row.querySelector('.val').textContent = format(it.value);
    box.appendChild(row);
  }
  host.appendChild(box);
}

/** A stacked share bar with a legend: {category: count}. */
export function statusStack(host, byCat) {
  const cats = Object.keys(byCat).sort();
  const total = cats.reduce((n, c) => n + byCat[c], 0);
  host.replaceChildren();
  if (!total) {
    host.innerHTML = '<div class="empty">no data yet</div>';
    return;
  }
  const stack = document.createElement('div');
  stack.className = 'stack';
  const rows = document.createElement('div');
  rows.className = 'status-rows';
  for (const c of cats) {
    const color = `var(--c${c}, var(--muted))`;
    const seg = document.createElement('span');
    seg.style.width = `${(100 * byCat[c]) / total}%`;
    seg.style.background = color;
    seg.title = `${c}: ${byCat[c]}`;
    stack.appendChild(seg);
    // Styles set through the DOM, never a style="" attribute: the page's Content-Security-Policy allows no inline style.
    const swatch = document.createElement('span');
    swatch.className = 'swatch';
    swatch.style.background = color;
    rows.append(swatch);
    rows.insertAdjacentHTML(
      'beforeend',
      `<span>${c}</span><span class="num">${compact(byCat[c])}</span><span class="num muted">${pct(byCat[c] / total)}</span>`,
    );
  }
  host.append(stack, rows);
}
