// What every dashboard chart shares: the Apache ECharts instance of a host element (the library is loaded by
// /assets/echarts.min.js as window.echarts), the palette from the stylesheet's variables, the common options and a
// tooltip built as DOM nodes (text via textContent: a group name from the data can never become markup, and no
// style="" attribute, which the page's Content-Security-Policy would refuse).

const live = new Set();
addEventListener('resize', () => {
  for (const c of live) c.resize();
});

/** The ECharts library; an error naming the missing file when its script did not load. */
function lib() {
  const e = globalThis.echarts;
  if (!e) throw new Error('charting library missing: /assets/echarts.min.js did not load');
  return e;
}

/**
 * The chart of `host`, created on first use with `base` (options set once: zoom, toolbox, tooltip, so a poll's
 * update keeps what the user zoomed). Charts whose element left the page (a panel redrawn) are disposed.
 */
export function chartOf(host, base) {
  for (const c of live) {
    if (!c.getDom().isConnected) {
      c.dispose();
      live.delete(c);
    }
  }
  let chart = lib().getInstanceByDom(host);
  if (!chart) {
    host.replaceChildren();
    chart = lib().init(host, null, { renderer: 'canvas' });
    chart.setOption(base());
    live.add(chart);
  }
  return chart;
}

/** A colour of the stylesheet (`--speed`, `--c4xx`, …), as canvas drawing needs a value, not a var(). */
export function color(name, fallback = '--muted') {
  const css = getComputedStyle(document.documentElement);
  return css.getPropertyValue(name).trim() || css.getPropertyValue(fallback).trim();
}

/** Options every chart starts from: transparent background, the page's text colour, no animation on polls. */
export function baseOptions() {
  return {
    backgroundColor: 'transparent',
    animation: false,
    textStyle: { color: color('--muted'), fontFamily: 'system-ui, sans-serif', fontSize: 11 },
  };
}

/** A legend at the top right in the page's colours (click an entry to hide or show its series). */
export function legend() {
  return {
    top: 0,
    right: 36,
    itemWidth: 10,
    itemHeight: 10,
    textStyle: { color: color('--muted'), fontSize: 11 },
    inactiveColor: color('--line'),
  };
}

/**
 * A tooltip of the chart: `rows(params)` gives `{title, rows: [[colour, label, value text]]}`. Confined to the
 * chart (ECharts then draws no arrow, whose markup carries a style attribute).
 */
export function tooltip(trigger, rows) {
  return {
    trigger,
    confine: true,
    className: 'chart-tooltip',
    backgroundColor: color('--panel'),
    borderColor: color('--line'),
    textStyle: { color: color('--text') },
    axisPointer: { type: 'shadow', shadowStyle: { color: 'rgba(139, 148, 158, 0.12)' } },
    formatter: (params) => tipNode(rows(params)),
  };
}

function tipNode({ title, rows }) {
  const box = document.createElement('div');
  const head = document.createElement('div');
  head.className = 'tip-title';
  head.textContent = title;
  box.append(head);
  for (const [swatch, label, value] of rows) {
    const row = document.createElement('div');
    row.className = 'tip-row';
    const s = document.createElement('span');
    s.className = 'tip-swatch';
    s.style.background = swatch;
    const name = document.createElement('span');
    name.textContent = label;
    const val = document.createElement('b');
    val.className = 'tip-value';
    val.textContent = value;
    row.append(s, name, val);
    box.append(row);
  }
  return box;
}

/** Title text in the middle of an empty chart ("no data yet"), hidden otherwise. */
export function emptyTitle(empty) {
  return {
    show: empty,
    text: 'no data yet',
    left: 'center',
    top: 'middle',
    textStyle: { color: color('--muted'), fontSize: 13, fontStyle: 'italic', fontWeight: 'normal' },
  };
}
