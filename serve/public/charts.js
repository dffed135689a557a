// The dashboard's charts on Apache ECharts: time series (bars coloured by view, or a line), horizontal bars and the
// status-category donut, each with a tooltip and a legend; time series zoom with the wheel (drag pans) or by a
// dragged box (toolbox), and keep the zoom across polls. The plotted numbers stay readable from the chart instance
// (`echarts.getInstanceByDom(host).getOption()`), which the browser test compares with the API.
import { baseOptions, chartOf, color, emptyTitle, legend, tooltip } from './chart-base.js';
import { compact, pct } from './format.js';

export { compact, duration, pct } from './format.js';

const SPEED = 'speed view';
const BATCH = 'batch view';

/** Rows of an axis tooltip: one per series with a value at the hovered category. */
const axisRows = (format) => (params) =>
  params.filter((p) => p.value !== null && p.value !== undefined).map((p) => [p.color, p.seriesName, format(p.value)]);

function bars(name, colour, data, extra = {}) {
  return { name, type: 'bar', stack: 'view', data, itemStyle: { color: colour, borderRadius: 1.5 }, ...extra };
}

/**
 * Time series of `points` = [{t, v, source}] over [fromMs, toMs) in `stepMs` slots (the category of a slot is its
 * start in epoch ms as a string): bars stacked by source ("speed view", "batch view"; a missing slot has no bar),
 * or with `kind: 'line'` one line named `o.name` (a missing slot is zero). `o.label` prints a slot start, `o.format`
 * a value.
 */
export function timeSeries(host, points, o) {
  const slots = Math.max(1, Math.round((o.toMs - o.fromMs) / o.stepMs));
  const starts = Array.from({ length: slots }, (_, i) => o.fromMs + i * o.stepMs);
  const bySlot = new Map(points.map((p) => [Math.floor((p.t - o.fromMs) / o.stepMs), p]));
  const grid = color('--line');
  const chart = chartOf(host, () => ({
    ...baseOptions(),
    grid: { left: 52, right: 12, top: 30, bottom: 22 },
    legend: legend(),
    tooltip: tooltip('axis', (params) => ({
      title: o.label(Number(params[0]?.name)),
      rows: axisRows(o.format)(params),
    })),
    // Wheel zooms the time axis, dragging pans it; the toolbox's box zoom selects a range (its second icon undoes).
    dataZoom: [{ type: 'inside', filterMode: 'none' }],
    toolbox: {
      right: 0,
      top: -2,
      itemSize: 13,
      iconStyle: { borderColor: color('--muted') },
      feature: { dataZoom: { yAxisIndex: 'none', title: { zoom: 'drag a range to zoom', back: 'undo zoom' } } },
    },
    xAxis: {
      type: 'category',
      axisLabel: { formatter: (v) => o.label(Number(v)), hideOverlap: true },
      axisLine: { lineStyle: { color: grid } },
      axisTick: { show: false },
    },
    yAxis: { type: 'value', axisLabel: { formatter: (v) => o.format(v) }, splitLine: { lineStyle: { color: grid } } },
  }));
  const speed = color('--speed');
  const of = (batch) =>
    starts.map((_, i) => {
      const p = bySlot.get(i);
      return p && (p.source === 'batch') === batch ? (p.v ?? 0) : null;
    });
  const gap = { barCategoryGap: slots > 40 ? '12%' : '30%' };
  const series =
    o.kind === 'line'
      ? [
          {
            name: o.name ?? SPEED,
            type: 'line',
            showSymbol: false,
            data: starts.map((_, i) => bySlot.get(i)?.v ?? 0),
            lineStyle: { color: speed, width: 2 },
            itemStyle: { color: speed },
            areaStyle: { color: speed, opacity: 0.15 },
          },
        ]
      : [bars(SPEED, speed, of(false), gap), bars(BATCH, color('--batch'), of(true), gap)];
  chart.setOption({ title: emptyTitle(points.length === 0), xAxis: { data: starts.map(String) }, series });
}

/**
 * Horizontal bars of [{name, value, source}] in the given order (largest first), a series per source ("speed view",
 * "batch view") with the value printed by `format` beside each bar. The chart grows with the number of bars.
 */
export function hbars(host, items, format = compact) {
  host.style.height = `${30 + 24 * Math.max(1, items.length)}px`;
  const chart = chartOf(host, () => ({
    ...baseOptions(),
    grid: { left: 96, right: 64, top: 24, bottom: 0 },
    legend: legend(),
    tooltip: tooltip('axis', (params) => ({ title: params[0]?.name ?? '', rows: axisRows(format)(params) })),
    xAxis: { type: 'value', show: false, max: 'dataMax' },
    yAxis: {
      type: 'category',
      inverse: true,
      axisLabel: { width: 88, overflow: 'truncate', color: color('--muted'), fontSize: 12 },
      axisLine: { show: false },
      axisTick: { show: false },
    },
  }));
  chart.resize();
  const of = (batch) => items.map((it) => ((it.source === 'batch') === batch ? it.value : null));
  const label = { show: true, position: 'right', color: color('--text'), formatter: (p) => format(p.value) };
  const series = [
    bars(SPEED, color('--speed'), of(false), { label, barWidth: 12 }),
    bars(BATCH, color('--batch'), of(true), { label, barWidth: 12 }),
  ];
  chart.setOption({
    title: emptyTitle(items.length === 0),
    legend: { data: series.filter((s) => s.data.some((v) => v !== null)).map((s) => s.name) },
    yAxis: { data: items.map((it) => it.name) },
    series,
  });
}

/**
 * Status categories {category: count}: a donut (tooltip: count and share) above a legend of swatches with each
 * category's count and share.
 */
export function statusStack(host, byCat) {
  const cats = Object.keys(byCat).sort();
  const total = cats.reduce((n, c) => n + byCat[c], 0);
  let box = host.querySelector('.status-chart');
  let rows = host.querySelector('.status-rows');
  if (!box || !rows) {
    box = document.createElement('div');
    box.className = 'status-chart';
    rows = document.createElement('div');
    rows.className = 'status-rows';
    host.replaceChildren(box, rows);
  }
  const chart = chartOf(box, () => ({
    ...baseOptions(),
    tooltip: tooltip('item', (p) => ({
      title: 'status category',
      rows: [[p.color, p.name, `${compact(p.value)} · ${pct(p.data.share)}`]],
    })),
  }));
  const colours = Object.fromEntries(cats.map((c) => [c, color(`--c${c}`)]));
  chart.setOption({
    title: emptyTitle(total === 0),
    series: [
      {
        type: 'pie',
        radius: ['48%', '82%'],
        label: { show: false },
        data: cats.map((c) => ({
          name: c,
          value: byCat[c],
          share: byCat[c] / total,
          itemStyle: { color: colours[c] },
        })),
      },
    ],
  });
  // The legend: styles set through the DOM, never a style="" attribute (the page's CSP allows no inline style).
  rows.replaceChildren();
  for (const c of cats) {
    const swatch = document.createElement('span');
    swatch.className = 'swatch';
    swatch.style.background = colours[c];
    const cells = [c, compact(byCat[c]), pct(byCat[c] / total)].map((text, i) => {
      const cell = document.createElement('span');
      cell.textContent = text;
      if (i) cell.className = i === 1 ? 'num' : 'num muted';
      return cell;
    });
    rows.append(swatch, ...cells);
  }
}
