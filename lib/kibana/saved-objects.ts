/**
 * Kibana 8 saved objects for the project's indices, built from the index prefix: data views of the batch view
 * (`<prefix>-batch-daily`), the speed view's window cube (`<prefix>-speed-windows`), content rollup
 * (`<prefix>-speed-content`), per-window unique customers (`<prefix>-speed-uniques`) and reject counters
 * (`<prefix>-speed-counters`), Lens visualisations over them, and one dashboard. `viewership kibana export`
 * writes them as ndjson for `POST /api/saved_objects/_import`. Pure: no I/O.
 */
import { batchIndex, speedContentIndex, speedCountersIndex, speedIndex, speedUniquesIndex } from '../search-templates.js';
import { CORE_MIGRATION_VERSION, dateHistogram, lens, sum, terms, type FieldUse, type LensSpec, type SavedObject } from './lens.js';

export type { FieldUse, SavedObject } from './lens.js';

/** The export: objects in import order (data views, visualisations, dashboard) and every field they use. */
export interface KibanaExport {
  objects: SavedObject[];
  fields: FieldUse[];
}

function dataView(id: string, title: string, name: string, timeField: string): { object: SavedObject; fields: FieldUse[] } {
  return {
    object: {
      id,
      type: 'index-pattern',
      attributes: { title, name, timeFieldName: timeField, allowHidden: false, fieldAttrs: '{}', fieldFormatMap: '{}', fields: '[]', runtimeFieldMap: '{}', sourceFilters: '[]' },
      references: [],
      coreMigrationVersion: CORE_MIGRATION_VERSION,
      typeMigrationVersion: '8.0.0',
      managed: false,
    },
    fields: [{ objectId: id, dataViewId: id, field: timeField, use: 'time' }],
  };
}

/** Data view ids (each the index title) the visualisations read. */
interface Views {
  batch: string;
  speed: string;
  uniques: string;
  counters: string;
}

function lensSpecs(p: string, v: Views): LensSpec[] {
  const { batch, speed, uniques, counters } = v;
  const events = sum('events', 'Events');
  const requests = sum('requests', 'Requests');
  return [
    {
      id: `${p}-events-per-minute`, title: 'Events per minute (speed view)', description: 'Accepted events per 1-minute event-time window, by event type', dataViewId: speed,
      chart: { kind: 'xy', series: 'area_stacked', x: dateHistogram('window_start', '1m', 'Window'), y: [events], split: terms('event_type', 6, events, 'Event type') },
    },
    {
      id: `${p}-watch-time-per-minute`, title: 'Watch time per minute (speed view)', description: 'Sum of watch_ms per 1-minute window', dataViewId: speed,
      chart: { kind: 'xy', series: 'line', x: dateHistogram('window_start', '1m', 'Window'), y: [sum('watch_ms', 'Watch time (ms)')] },
    },
    {
      // The uniques index has one document per (window, input partition) whose unique_customers counts that
      // partition's distinct customers in the window. Producers key events by customer id, so a customer lives in
      // one partition and the per-minute sum over partitions is the minute's distinct count; summed across
      // minutes (a coarser histogram) it is an upper bound, since a customer active in two minutes counts twice.
      // Kibana cannot merge the binary sketches; the serving API (`/api/viewership`) merges them for any range.
      id: `${p}-unique-customers`, title: 'Unique customers per minute (speed view)',
      description: 'Distinct customers per 1-minute window (sum over input partitions; summed over several minutes it is an upper bound)', dataViewId: uniques,
      chart: { kind: 'xy', series: 'line', x: dateHistogram('window_start', '1m', 'Window'), y: [sum('unique_customers', 'Unique customers')] },
    },
    {
      id: `${p}-rejects-per-minute`, title: 'Dead letters, late events and duplicates per minute', description: 'Speed-layer reject counters per minute', dataViewId: counters,
      chart: { kind: 'xy', series: 'line', x: dateHistogram('minute', '1m', 'Minute'), y: [sum('dead_lettered', 'Dead-lettered'), sum('late', 'Late'), sum('duplicates', 'Duplicates')] },
    },
    {
      id: `${p}-requests-per-day-by-status`, title: 'Requests per day by status category (batch view)', description: 'Daily requests split by 1xx–5xx', dataViewId: batch,
      where: [{ field: 'kind', value: 'dimension' }],
      chart: { kind: 'xy', series: 'bar_stacked', x: dateHistogram('date', '1d', 'Day'), y: [requests], split: terms('status_category', 5, requests, 'Status category') },
    },
    {
      id: `${p}-requests-by-country-plan`, title: 'Requests by country and plan (batch view)', description: 'Requests per country, stacked by plan', dataViewId: batch,
      where: [{ field: 'kind', value: 'dimension' }],
      chart: { kind: 'xy', series: 'bar_stacked', x: terms('country', 15, requests, 'Country'), y: [requests], split: terms('plan', 5, requests, 'Plan') },
    },
    {
      id: `${p}-top-content`, title: 'Top content (batch view)', description: 'Content ids with the most requests (each day keeps its top 100)', dataViewId: batch,
      where: [{ field: 'kind', value: 'content' }],
      chart: { kind: 'xy', series: 'bar_horizontal', x: terms('content_id', 10, requests, 'Content'), y: [requests] },
    },
    {
      id: `${p}-daily-quality`, title: 'Rows per day: valid, rejected, unique customers (batch view)', description: 'Day totals from the batch run', dataViewId: batch,
      where: [{ field: 'kind', value: 'total' }],
      chart: { kind: 'table', columns: [dateHistogram('date', '1d', 'Day'), sum('valid_rows', 'Valid rows'), sum('rejected_rows', 'Rejected rows'), sum('unique_customers', 'Unique customers')] },
    },
  ];
}

/** Dashboard grid (48 columns wide): panel positions in the order of the visualisations. */
const GRID: [x: number, y: number, w: number, h: number][] = [
  [0, 0, 36, 14], [36, 0, 12, 7], [36, 7, 12, 7], [0, 14, 24, 12], [24, 14, 24, 12], [0, 26, 24, 14], [24, 26, 24, 14], [0, 40, 48, 12],
];

function dashboard(id: string, title: string, panels: SavedObject[]): SavedObject {
  const panelsJSON = panels.map((v, i) => {
    const [x, y, w, h] = GRID[i] ?? [0, 52 + 12 * i, 24, 12];
    const panelIndex = `p${i + 1}`;
    return { version: '8.19.0', type: 'lens', gridData: { x, y, w, h, i: panelIndex }, panelIndex, embeddableConfig: { enhancements: {} }, panelRefName: `panel_${panelIndex}` };
  });
  return {
    id,
    type: 'dashboard',
    attributes: {
      title,
      description: 'Live speed view (per minute) and the daily batch view of the viewership pipeline',
      panelsJSON: JSON.stringify(panelsJSON),
      optionsJSON: JSON.stringify({ useMargins: true, syncColors: false, syncCursor: true, syncTooltips: false, hidePanelTitles: false }),
      timeRestore: true,
      timeFrom: 'now-7d',
      timeTo: 'now',
      refreshInterval: { pause: false, value: 10_000 },
      version: 1,
      kibanaSavedObjectMeta: { searchSourceJSON: JSON.stringify({ query: { query: '', language: 'kuery' }, filter: [] }) },
    },
    references: panels.map((v, i) => ({ id: v.id, name: `p${i + 1}:panel_p${i + 1}`, type: v.type })),
    coreMigrationVersion: CORE_MIGRATION_VERSION,
    typeMigrationVersion: '8.9.0',
    managed: false,
  };
}

/** Every saved object for indices named with `prefix` (SEARCH_INDEX_PREFIX), with the fields each one uses. */
export function buildSavedObjects(prefix: string): KibanaExport {
  const views = [
    dataView(batchIndex(prefix), batchIndex(prefix), `${prefix} batch view (daily)`, 'date'),
    dataView(speedIndex(prefix), speedIndex(prefix), `${prefix} speed view (1-minute windows)`, 'window_start'),
    dataView(speedContentIndex(prefix), speedContentIndex(prefix), `${prefix} speed view by content (1-minute windows)`, 'window_start'),
    dataView(speedUniquesIndex(prefix), speedUniquesIndex(prefix), `${prefix} speed unique customers (1-minute windows)`, 'window_start'),
    dataView(speedCountersIndex(prefix), speedCountersIndex(prefix), `${prefix} speed rejects (per minute)`, 'minute'),
  ];
  const visualisations = lensSpecs(prefix, { batch: batchIndex(prefix), speed: speedIndex(prefix), uniques: speedUniquesIndex(prefix), counters: speedCountersIndex(prefix) }).map(lens);
  const board = dashboard(`${prefix}-dashboard`, `Viewership (${prefix})`, visualisations.map((v) => v.object));
  return {
    objects: [...views.map((v) => v.object), ...visualisations.map((v) => v.object), board],
    fields: [...views, ...visualisations].flatMap((v) => v.fields),
  };
}

/** The objects as ndjson: one JSON object per line, ending with a newline. */
export function toNdjson(objects: SavedObject[]): string {
  return objects.map((o) => JSON.stringify(o)).join('\n') + '\n';
}
