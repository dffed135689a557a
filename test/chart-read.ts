/**
 * Reading the dashboard's charts back in the browser test: what an Apache ECharts instance plots (categories and
 * series values, from `echarts.getInstanceByDom(el).getOption()`), and where a category is on screen.
 */
import type { Page } from 'playwright-core';

/** What a chart plots: the categories of its axes, each series' values, and the window of the same poll. */
export interface Plotted {
  window: { from: string; to: string } | null;
  x: string[];
  y: string[];
  series: { name: string; data: (number | null | { name: string; value: number })[] }[];
}

type Option = { xAxis?: { data?: string[] }[]; yAxis?: { data?: string[] }[]; series: Plotted['series'] };
type Win = Record<string, { window: Plotted['window'] }> & {
  document: { querySelector: (s: string) => unknown };
  echarts: {
    getInstanceByDom: (
      el: unknown,
    ) => { getOption: () => Option; convertToPixel: (finder: object, value: string) => number } | undefined;
  };
};

/** Category → plotted value (summed over the stacked series) of the categories that have a bar or point. */
export function byCategory(p: Plotted, axis: 'x' | 'y'): Record<string, number> {
  const m: Record<string, number> = {};
  for (const s of p.series)
    s.data.forEach((v, i) => {
      if (typeof v === 'number') m[p[axis][i]!] = (m[p[axis][i]!] ?? 0) + v;
    });
  return m;
}

/** The page's compact number format (charts.js), for comparing text a person sees. */
export const compact = (n: number) =>
  new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 1 }).format(n);

/**
 * The chart in `selector` as plotted, read in one step with `globalThis[state].window` (the page state of the same
 * poll: `__dashboard` or `__ads`).
 */
export function readChart(page: Page, selector: string, state = '__dashboard'): Promise<Plotted> {
  return page.evaluate(
    ([sel, g]) => {
      const w = globalThis as unknown as Win;
      const o = w.echarts.getInstanceByDom(w.document.querySelector(sel))!.getOption();
      const axis = (a: Option['xAxis']) => a?.[0]?.data ?? [];
      const series = o.series.map((x) => ({ name: x.name, data: x.data }));
      return { window: w[g]!.window, x: axis(o.xAxis), y: axis(o.yAxis), series };
    },
    [selector, state] as const,
  );
}

/** The horizontal pixel offset, inside the chart's element, of category `value` on its x axis. */
export function categoryX(page: Page, selector: string, value: string): Promise<number> {
  return page.evaluate(
    ([sel, v]) => {
      const w = globalThis as unknown as Win;
      return w.echarts.getInstanceByDom(w.document.querySelector(sel))!.convertToPixel({ xAxisIndex: 0 }, v);
    },
    [selector, value] as const,
  );
}
