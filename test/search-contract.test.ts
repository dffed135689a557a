/**
 * Search sink contract, run against every engine that is part of the local services (OpenSearch and
 * Elasticsearch): the same assertions, real servers, through the project's adapters.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createElasticsearchSink } from '../adapters/search/elasticsearch.js';
import { createOpenSearchSink } from '../adapters/search/opensearch.js';
import type { SearchSink } from '../adapters/search/types.js';
import { serviceStatus, uniqueName } from './helpers.js';

const ENGINES = [
  {
    service: 'opensearch',
    make: () => createOpenSearchSink({ url: `http://127.0.0.1:${process.env.OPENSEARCH_PORT ?? 9200}` }),
    major: '2.',
  },
  {
    service: 'elasticsearch',
    make: () => createElasticsearchSink({ url: `http://127.0.0.1:${process.env.ELASTICSEARCH_PORT ?? 9201}` }),
    major: '8.',
  },
] as const;

const status = await serviceStatus();

for (const engine of ENGINES) {
  const selected = engine.service in status;
  if (!selected)
    console.warn(
      `[search-contract] ${engine.service}: not among the selected services ($VIEWERSHIP_SERVICES), contract not run`,
    );

  describe.runIf(selected)(`search sink contract: ${engine.service}`, () => {
    let sink: SearchSink;
    const index = uniqueName('contract');

    beforeAll(() => {
      sink = engine.make();
    });
    afterAll(async () => {
      await sink.deleteIndex(index);
      await sink.deleteIndex(`${index}-tpl-a`);
      await sink.close();
    });

    it('identifies the real server', async () => {
      const info = await sink.info();
      expect(info.engine).toBe(engine.service);
      expect(info.version.startsWith(engine.major)).toBe(true);
    });

    it('applies index templates to new matching indices', async () => {
      await sink.putIndexTemplate(`${index}-tpl`, [`${index}-tpl-*`], {
        settings: { number_of_shards: 1, number_of_replicas: 0 },
        mappings: { properties: { country: { type: 'keyword' }, requests: { type: 'long' } } },
      });
      await sink.bulkIndex(`${index}-tpl-a`, [{ id: 'x', doc: { country: 'DE', requests: 5 } }], { refresh: true });
      // A keyword field aggregates by exact value only if the template's mapping was applied.
      const r = await sink.search(`${index}-tpl-a`, { size: 0, aggs: { c: { terms: { field: 'country' } } } });
      expect((r.aggregations?.c as { buckets: { key: string }[] }).buckets.map((b) => b.key)).toEqual(['DE']);
    });

    it('creates indices idempotently and writes documents by deterministic id', async () => {
      const def = {
        settings: { number_of_shards: 1, number_of_replicas: 0 },
        mappings: { properties: { k: { type: 'keyword' }, n: { type: 'long' } } },
      };
      await sink.ensureIndex(index, def);
      await sink.ensureIndex(index, def);
      const docs = [
        { id: 'a', doc: { k: 'x', n: 1 } },
        { id: 'b', doc: { k: 'y', n: 2 } },
        { id: 'c', doc: { k: 'x', n: 3 } },
      ];
      expect(await sink.bulkIndex(index, docs, { refresh: true })).toEqual({ written: 3, failed: [] });
      // Writing the same ids again overwrites: still three documents, sums unchanged.
      await sink.bulkIndex(index, docs, { refresh: true });
      const r = await sink.search<{ k: string; n: number }>(index, {
        size: 10,
        sort: [{ n: 'asc' }],
        aggs: { total: { sum: { field: 'n' } } },
      });
      expect(r.total).toBe(3);
      expect(r.hits.map((h) => h.id)).toEqual(['a', 'b', 'c']);
      expect((r.aggregations?.total as { value: number }).value).toBe(6);
      expect(await sink.get(index, 'b')).toEqual({ k: 'y', n: 2 });
      expect(await sink.get(index, 'missing')).toBeUndefined();
    });

    it('reports per-document bulk failures instead of hiding them', async () => {
      const r = await sink.bulkIndex(
        index,
        [
          { id: 'bad', doc: { k: 'z', n: 'not-a-number' } },
          { id: 'd', doc: { k: 'z', n: 4 } },
        ],
        { refresh: true },
      );
      expect(r.written).toBe(1);
      expect(r.failed).toHaveLength(1);
      expect(r.failed[0]).toMatchObject({ id: 'bad', status: 400 });
      expect(r.failed[0]!.reason).toMatch(/parse/i);
    });

    it('creates only new ids (conflicts reported, originals kept) and fetches many by id', async () => {
      const r1 = await sink.bulkCreate(
        index,
        [
          { id: 'n1', doc: { k: 'first', n: 10 } },
          { id: 'n2', doc: { k: 'first', n: 11 } },
        ],
        { refresh: true },
      );
      expect(r1).toEqual({ created: ['n1', 'n2'], conflicts: [], failed: [] });
      const r2 = await sink.bulkCreate(
        index,
        [
          { id: 'n2', doc: { k: 'second', n: 12 } },
          { id: 'n3', doc: { k: 'second', n: 13 } },
        ],
        { refresh: true },
      );
      expect(r2).toEqual({ created: ['n3'], conflicts: ['n2'], failed: [] });
      const got = await sink.mget<{ k: string }>(index, ['n1', 'n2', 'n3', 'absent']);
      expect([...got.entries()].map(([id, d]) => `${id}:${d.k}`).sort()).toEqual(['n1:first', 'n2:first', 'n3:second']);
      await sink.deleteByQuery(index, { terms: { k: ['first', 'second'] } }, { refresh: true });
    });

    it('deletes by query and tolerates missing indices', async () => {
      expect(await sink.deleteByQuery(index, { term: { k: 'x' } }, { refresh: true })).toBe(2);
      const r = await sink.search(index, { size: 10 });
      expect(r.hits.map((h) => h.id).sort()).toEqual(['b', 'd']);
      expect(await sink.deleteByQuery(uniqueName('absent'), { match_all: {} })).toBe(0);
      await sink.deleteIndex(uniqueName('absent'));
    });
  });
}
