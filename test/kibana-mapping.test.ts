/**
 * The Kibana saved objects against the real engines: indices created from the project's templates (under a
 * fresh prefix) are asked for their field capabilities, the way Kibana's data views read them, and every field the
 * exported objects use must be there — aggregatable where a visualisation aggregates it, a date where it is a time
 * field.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createElasticsearchSink } from '../adapters/search/elasticsearch.js';
import { createOpenSearchSink } from '../adapters/search/opensearch.js';
import { buildSavedObjects } from '../lib/kibana/saved-objects.js';
import { BATCH_TEMPLATE, SPEED_TEMPLATE, batchIndex, speedIndices } from '../lib/search-templates.js';
import { serviceStatus, uniqueName } from './helpers.js';

const ENGINES = [
  { service: 'opensearch', url: `http://127.0.0.1:${process.env.OPENSEARCH_PORT ?? 9200}`, make: createOpenSearchSink },
  {
    service: 'elasticsearch',
    url: `http://127.0.0.1:${process.env.ELASTICSEARCH_PORT ?? 9201}`,
    make: createElasticsearchSink,
  },
] as const;

const status = await serviceStatus();

type Caps = Record<string, Record<string, { type: string; aggregatable: boolean }>>;

for (const engine of ENGINES) {
  describe.runIf(engine.service in status)(`Kibana saved objects on ${engine.service}`, () => {
    const prefix = uniqueName('kibana');
    const sink = engine.make({ url: engine.url });
    const indices = [batchIndex(prefix), ...speedIndices(prefix)];

    afterAll(async () => {
      for (const i of indices) await sink.deleteIndex(i);
      for (const t of ['batch', 'speed'])
        await fetch(`${engine.url}/_index_template/${prefix}-${t}`, { method: 'DELETE' });
      await sink.close();
    });

    it('every field the objects use is in the field capabilities of the index its data view names', async () => {
      await sink.putIndexTemplate(`${prefix}-batch`, [`${prefix}-batch-*`], BATCH_TEMPLATE);
      await sink.putIndexTemplate(`${prefix}-speed`, [`${prefix}-speed-*`], SPEED_TEMPLATE);
      for (const i of indices) await sink.ensureIndex(i);

      const { objects, fields } = buildSavedObjects(prefix);
      const titles = new Map(
        objects.filter((o) => o.type === 'index-pattern').map((o) => [o.id, String(o.attributes.title)]),
      );
      expect(fields.length).toBeGreaterThan(20);
      expect([...new Set(titles.values())].sort()).toEqual([...indices].sort());
      for (const index of new Set(titles.values())) {
        const res = await fetch(`${engine.url}/${index}/_field_caps?fields=*`);
        expect(res.status).toBe(200);
        const caps = ((await res.json()) as { fields: Caps }).fields;
        for (const u of fields.filter((f) => titles.get(f.dataViewId) === index)) {
          const cap = Object.values(caps[u.field] ?? {})[0];
          expect(cap, `${u.objectId}: ${u.field} in ${index}`).toBeDefined();
          if (u.use !== 'filter') expect(cap!.aggregatable, `${u.objectId}: ${u.field} aggregatable`).toBe(true);
          if (u.use === 'time') expect(cap!.type).toBe('date');
        }
      }
    });
  });
}
