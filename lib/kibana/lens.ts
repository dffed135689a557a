/**
 * Builders of Kibana 8 Lens saved objects (`type: "lens"`, form-based datasource) that record every index field
 * they use, so a test can check each one against the project's mappings. Pure: no I/O.
 */

/** How an object uses a field: data-view time field, bucket (terms/histogram), metric, or KQL filter. */
export type FieldUseKind = 'time' | 'bucket' | 'metric' | 'filter';

/** One field referenced by a saved object, on the data view (id) whose index holds it. */
export interface FieldUse {
  objectId: string;
  dataViewId: string;
  field: string;
  use: FieldUseKind;
}

/** A saved object as `POST /api/saved_objects/_import` reads it (one line of the ndjson). */
export interface SavedObject {
  id: string;
  type: 'index-pattern' | 'lens' | 'dashboard';
  attributes: Record<string, unknown>;
  references: { id: string; name: string; type: string }[];
  coreMigrationVersion: string;
  typeMigrationVersion: string;
  managed: boolean;
}

/** Saved-object core version the objects are written for (Kibana ≥ 8.8). */
export const CORE_MIGRATION_VERSION = '8.8.0';

/** One Lens column with the field it reads. */
export interface Column {
  id: string;
  def: Record<string, unknown>;
  field?: { name: string; use: FieldUseKind };
}

const metricCol = (operationType: string, field: string, label: string): Column => ({
  id: `${operationType}-${field}`,
  def: { label, customLabel: true, dataType: 'number', operationType, sourceField: field, isBucketed: false, scale: 'ratio', params: { emptyAsNull: true } },
  field: { name: field, use: 'metric' },
});

/** Sum of a numeric field. */
export const sum = (field: string, label: string): Column => metricCol('sum', field, label);
/** Distinct count (cardinality) of a field. */
export const uniqueCount = (field: string, label: string): Column => metricCol('unique_count', field, label);

/** Date histogram on a date field (`interval`: Kibana interval such as `1m`, `1d`, or `auto`). */
export function dateHistogram(field: string, interval: string, label: string): Column {
  return {
    id: `date-${field}`,
    def: { label, customLabel: true, dataType: 'date', operationType: 'date_histogram', sourceField: field, isBucketed: true, scale: 'interval', params: { interval, includeEmptyRows: true, dropPartials: false } },
    field: { name: field, use: 'bucket' },
  };
}

/** Top `size` values of a keyword field, ordered by the metric column `orderBy`. */
export function terms(field: string, size: number, orderBy: Column, label: string): Column {
  return {
    id: `terms-${field}`,
    def: {
      label, customLabel: true, dataType: 'string', operationType: 'terms', sourceField: field, isBucketed: true, scale: 'ordinal',
      params: { size, orderBy: { type: 'column', columnId: orderBy.id }, orderDirection: 'desc', otherBucket: true, missingBucket: false, parentFormat: { id: 'terms' }, include: [], exclude: [], includeIsRegex: false, excludeIsRegex: false },
    },
    field: { name: field, use: 'bucket' },
  };
}

/** A KQL condition `field : "value"` (or its negation) with the field it reads. */
export interface Where {
  field: string;
  value: string;
  not?: boolean;
}

const kql = (w: Where[]): string => w.map((c) => `${c.not ? 'not ' : ''}${c.field} : ${JSON.stringify(c.value)}`).join(' and ');

/** Chart of a Lens object: XY (x, y metrics, optional split), a metric tile, or a table. */
export type Chart =
  | { kind: 'xy'; series: 'line' | 'area_stacked' | 'bar_stacked' | 'bar_horizontal'; x: Column; y: Column[]; split?: Column }
  | { kind: 'metric'; metric: Column }
  | { kind: 'table'; columns: Column[] };

/** Everything a Lens object needs: its data view (id), an optional KQL filter and the chart. */
export interface LensSpec {
  id: string;
  title: string;
  description: string;
  dataViewId: string;
  where?: Where[];
  chart: Chart;
}

const LAYER = 'layer1';

function chartColumns(c: Chart): Column[] {
  if (c.kind === 'xy') return [c.x, ...(c.split ? [c.split] : []), ...c.y];
  return c.kind === 'metric' ? [c.metric] : c.columns;
}

function visualization(c: Chart): { type: string; state: Record<string, unknown> } {
  if (c.kind === 'metric') return { type: 'lnsMetric', state: { layerId: LAYER, layerType: 'data', metricAccessor: c.metric.id } };
  if (c.kind === 'table') return { type: 'lnsDatatable', state: { layerId: LAYER, layerType: 'data', columns: c.columns.map((col) => ({ columnId: col.id })) } };
  return {
    type: 'lnsXY',
    state: {
      legend: { isVisible: true, position: 'right' },
      valueLabels: 'hide',
      fittingFunction: 'None',
      preferredSeriesType: c.series,
      layers: [{ layerId: LAYER, layerType: 'data', seriesType: c.series, xAccessor: c.x.id, accessors: c.y.map((y) => y.id), ...(c.split ? { splitAccessor: c.split.id } : {}) }],
    },
  };
}

/** Build a Lens saved object and the fields it uses. */
export function lens(spec: LensSpec): { object: SavedObject; fields: FieldUse[] } {
  const columns = chartColumns(spec.chart);
  const vis = visualization(spec.chart);
  const object: SavedObject = {
    id: spec.id,
    type: 'lens',
    attributes: {
      title: spec.title,
      description: spec.description,
      visualizationType: vis.type,
      state: {
        datasourceStates: {
          formBased: {
            layers: {
              [LAYER]: { columns: Object.fromEntries(columns.map((c) => [c.id, c.def])), columnOrder: columns.map((c) => c.id), incompleteColumns: {}, sampling: 1 },
            },
          },
        },
        visualization: vis.state,
        query: { query: kql(spec.where ?? []), language: 'kuery' },
        filters: [],
        internalReferences: [],
        adHocDataViews: {},
      },
    },
    references: [{ id: spec.dataViewId, name: `indexpattern-datasource-layer-${LAYER}`, type: 'index-pattern' }],
    coreMigrationVersion: CORE_MIGRATION_VERSION,
    typeMigrationVersion: '8.9.0',
    managed: false,
  };
  const fields: FieldUse[] = [
    ...columns.flatMap((c) => (c.field ? [{ objectId: spec.id, dataViewId: spec.dataViewId, field: c.field.name, use: c.field.use }] : [])),
    ...(spec.where ?? []).map((w) => ({ objectId: spec.id, dataViewId: spec.dataViewId, field: w.field, use: 'filter' as const })),
  ];
  return { object, fields };
}
