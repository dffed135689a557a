import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeConfig, ROOT_DIR } from '../config.js';
import { BATCH_TEMPLATE, SPEED_TEMPLATE, batchIndex, speedContentIndex, speedCountersIndex, speedIndex, speedUniquesIndex } from '../search-templates.js';
import { buildSavedObjects, toNdjson, type SavedObject } from './saved-objects.js';

const PREFIX = String(describeConfig().find((d) => d.name === 'SEARCH_INDEX_PREFIX')?.default);
const exported = buildSavedObjects(PREFIX);
const parsed = toNdjson(exported.objects).trimEnd().split('\n').map((line) => JSON.parse(line) as SavedObject);
const byId = new Map(parsed.map((o) => [o.id, o]));

type Mapping = { type?: string; properties?: Record<string, Mapping>; dynamic?: boolean | string };
/**
 * Fields the documents of each speed index carry. One template maps every field for all four indices, so the
 * mapping alone would accept, say, `content_id` on the window cube, whose documents never have it.
 */
const SPEED_DOC_FIELDS: Record<string, string[]> = {
  [speedIndex(PREFIX)]: ['cell', 'window_start', 'event_type', 'country', 'plan', 'device', 'status_category', 'partition', 'first_offset', 'last_offset', 'events', 'watch_ms', 'unknown_customer_events'],
  [speedContentIndex(PREFIX)]: ['cell', 'window_start', 'content_id', 'partition', 'first_offset', 'last_offset', 'events', 'watch_ms', 'unknown_customer_events'],
  [speedUniquesIndex(PREFIX)]: ['window_start', 'partition', 'first_offset', 'last_offset', 'events', 'unique_customers', 'customers_sketch'],
  [speedCountersIndex(PREFIX)]: ['minute', 'partition', 'start_offset', 'late', 'dead_lettered', 'duplicates'],
};
/** The project's mapping of an index, by the index name a data view's title names (speed: only its documents' fields). */
function mappingFor(title: string): Record<string, Mapping> {
  const props = (t: typeof BATCH_TEMPLATE) => (t.mappings as { properties: Record<string, Mapping> }).properties;
  if (title === batchIndex(PREFIX)) return props(BATCH_TEMPLATE);
  const fields = SPEED_DOC_FIELDS[title];
  if (fields) return Object.fromEntries(Object.entries(props(SPEED_TEMPLATE)).filter(([f]) => fields.includes(f)));
  throw new Error(`no project template covers index ${title}`);
}

type LensColumn = { operationType: string; sourceField?: string; params?: { orderBy?: { columnId?: string } } };
type LensLayer = { columns: Record<string, LensColumn>; columnOrder: string[] };
const lensState = (o: SavedObject) =>
  o.attributes.state as { datasourceStates: { formBased: { layers: Record<string, LensLayer> } }; query: { query: string }; visualization: Record<string, unknown> };
const kqlFields = (q: string) => [...q.matchAll(/([A-Za-z_][\w.]*)\s*:/g)].map((m) => m[1]!);
const dataViewOf = (o: SavedObject) => o.references.find((r) => r.type === 'index-pattern')!.id;

/** Fields read from the objects' JSON itself (not from the builder's record), with what each one is used for. */
function fieldsInJson(): { objectId: string; dataViewId: string; field: string; op: string }[] {
  return parsed.flatMap((o) => {
    if (o.type === 'index-pattern') return [{ objectId: o.id, dataViewId: o.id, field: String(o.attributes.timeFieldName), op: 'time' }];
    if (o.type !== 'lens') return [];
    const s = lensState(o);
    const cols = Object.values(s.datasourceStates.formBased.layers).flatMap((l) => Object.values(l.columns));
    return [
      ...cols.filter((c) => c.sourceField && c.sourceField !== '___records___').map((c) => ({ objectId: o.id, dataViewId: dataViewOf(o), field: c.sourceField!, op: c.operationType })),
      ...kqlFields(s.query.query).map((field) => ({ objectId: o.id, dataViewId: dataViewOf(o), field, op: 'filter' })),
    ];
  });
}

/** Mapping types each use needs: numeric for sums, dates for time and histograms, aggregatable for the rest. */
const ALLOWED: Record<string, string[]> = {
  time: ['date'],
  date_histogram: ['date'],
  sum: ['long', 'integer'],
  unique_count: ['keyword', 'long', 'integer', 'date'],
  terms: ['keyword', 'long', 'integer'],
  filter: ['keyword', 'long', 'integer', 'date', 'boolean'],
};

describe('Kibana saved objects', () => {
  it('export index patterns for the five indices, several visualisations and one dashboard', () => {
    const types = parsed.map((o) => o.type);
    expect(parsed.filter((o) => o.type === 'index-pattern').map((o) => [o.attributes.title, o.attributes.timeFieldName])).toEqual([
      [`${PREFIX}-batch-daily`, 'date'], [`${PREFIX}-speed-windows`, 'window_start'], [`${PREFIX}-speed-content`, 'window_start'],
      [`${PREFIX}-speed-uniques`, 'window_start'], [`${PREFIX}-speed-counters`, 'minute'],
    ]);
    expect(types.filter((t) => t === 'lens').length).toBeGreaterThanOrEqual(6);
    expect(types.filter((t) => t === 'dashboard')).toHaveLength(1);
    expect(new Set(parsed.map((o) => o.id)).size).toBe(parsed.length);
  });

  it('ndjson: one parseable saved object per line, in the import format', () => {
    const lines = toNdjson(exported.objects).split('\n');
    expect(lines.at(-1)).toBe('');
    for (const line of lines.slice(0, -1)) {
      const o = JSON.parse(line) as SavedObject;
      expect(Object.keys(o)).toEqual(expect.arrayContaining(['id', 'type', 'attributes', 'references', 'coreMigrationVersion', 'typeMigrationVersion']));
    }
  });

  it('every reference resolves to an object of the export, of the referenced type', () => {
    for (const o of parsed) for (const r of o.references) expect(byId.get(r.id)?.type, `${o.id} → ${r.id}`).toBe(r.type);
  });

  it('the dashboard places every visualisation, each panel by a reference of its own', () => {
    const board = parsed.find((o) => o.type === 'dashboard')!;
    const panels = JSON.parse(String(board.attributes.panelsJSON)) as { panelIndex: string; panelRefName: string; gridData: { x: number; w: number } }[];
    expect(panels.map((p) => board.references.find((r) => r.name === `${p.panelIndex}:${p.panelRefName}`)?.id).sort()).toEqual(parsed.filter((o) => o.type === 'lens').map((o) => o.id).sort());
    for (const p of panels) expect(p.gridData.x + p.gridData.w).toBeLessThanOrEqual(48);
  });

  it('Lens layers are consistent: column order, accessors and term ordering name existing columns', () => {
    for (const o of parsed.filter((x) => x.type === 'lens')) {
      const s = lensState(o);
      for (const [layerId, layer] of Object.entries(s.datasourceStates.formBased.layers)) {
        expect(o.references.map((r) => r.name)).toContain(`indexpattern-datasource-layer-${layerId}`);
        expect([...layer.columnOrder].sort()).toEqual(Object.keys(layer.columns).sort());
        for (const c of Object.values(layer.columns)) if (c.params?.orderBy?.columnId) expect(layer.columns).toHaveProperty([c.params.orderBy.columnId]);
      }
      const v = s.visualization as { layers?: { xAccessor?: string; splitAccessor?: string; accessors: string[] }[]; metricAccessor?: string; columns?: { columnId: string }[] };
      const named = [
        ...(v.layers ?? []).flatMap((l) => [l.xAccessor, l.splitAccessor, ...l.accessors]),
        v.metricAccessor,
        ...(v.columns ?? []).map((c) => c.columnId),
      ].filter((x): x is string => !!x);
      const columns = Object.values(s.datasourceStates.formBased.layers).flatMap((l) => Object.keys(l.columns));
      expect(named.length, o.id).toBeGreaterThan(0);
      for (const id of named) expect(columns, `${o.id}: ${id}`).toContain(id);
    }
  });

  it('the recorded field list is exactly what the objects use', () => {
    const key = (f: { objectId: string; dataViewId: string; field: string }) => `${f.objectId}|${f.dataViewId}|${f.field}`;
    expect([...new Set(fieldsInJson().map(key))].sort()).toEqual([...new Set(exported.fields.map(key))].sort());
  });

  it('every referenced field exists in the mapping of its data view’s index, with a type its use can aggregate', () => {
    const uses = fieldsInJson();
    expect(uses.length).toBeGreaterThan(20);
    for (const u of uses) {
      const view = byId.get(u.dataViewId)!;
      const m = mappingFor(String(view.attributes.title))[u.field];
      expect(m, `${u.objectId}: ${u.field} in ${String(view.attributes.title)}`).toBeDefined();
      expect(ALLOWED[u.op], `operation ${u.op}`).toBeDefined();
      expect(ALLOWED[u.op], `${u.objectId}: ${u.field} (${m!.type ?? 'object'}) for ${u.op}`).toContain(m!.type);
    }
  });

  it('unique customers per minute: the sum of the per-partition counts of the uniques data view, per 1-minute window', () => {
    const o = byId.get(`${PREFIX}-unique-customers`)!;
    expect(dataViewOf(o)).toBe(speedUniquesIndex(PREFIX));
    const layer = Object.values(lensState(o).datasourceStates.formBased.layers)[0]!;
    const cols = layer.columnOrder.map((id) => layer.columns[id] as LensColumn & { params?: { interval?: string } });
    expect(cols.map((c) => [c.operationType, c.sourceField])).toEqual([['date_histogram', 'window_start'], ['sum', 'unique_customers']]);
    expect(cols[0]!.params?.interval).toBe('1m');
  });

  it('KQL filters on the batch view use document kinds the aggregate step writes', () => {
    const source = readFileSync(`${ROOT_DIR}/lib/batch/aggregate.ts`, 'utf8');
    const kinds = parsed.filter((o) => o.type === 'lens').flatMap((o) => [...lensState(o).query.query.matchAll(/kind : "(\w+)"/g)].map((m) => m[1]!));
    expect(kinds.length).toBeGreaterThan(0);
    for (const k of kinds) expect(source).toContain(`kind: '${k}'`);
  });

  it('the prefix names every index, id and title', () => {
    const text = toNdjson(buildSavedObjects('staging_2').objects);
    expect(text).not.toContain(`${PREFIX}-`);
    expect(text).toContain('"title":"staging_2-speed-windows"');
    expect(text).toContain('"id":"staging_2-dashboard"');
  });

  it('the committed kibana/viewership.ndjson is a fresh export for the default prefix', () => {
    expect(readFileSync(`${ROOT_DIR}/kibana/viewership.ndjson`, 'utf8')).toBe(toNdjson(exported.objects));
  });
});
