/**
 * Third-party browser files the dashboard loads, served from node_modules by an explicit allow-list (no CDN, no
 * directory of node_modules exposed): URL path → absolute file and content type. Only these exact paths are served.
 */
import { createRequire } from 'node:module';

const resolve = createRequire(import.meta.url).resolve;

/** A served third-party file: where it is on disk and its Content-Type. */
export interface VendorFile {
  file: string;
  type: string;
}

/**
 * The allow-list, by URL path. Apache ECharts' "common" build (line, bar, pie charts; tooltip, legend, dataZoom,
 * toolbox components), a UMD script that defines `window.echarts`. Served under `/assets/` so the documented
 * `/assets/{file}` route covers it.
 */
export const VENDOR_FILES: Readonly<Record<string, VendorFile>> = {
  '/assets/echarts.min.js': {
    file: resolve('echarts/dist/echarts.common.min.js'),
    type: 'text/javascript; charset=utf-8',
  },
};
