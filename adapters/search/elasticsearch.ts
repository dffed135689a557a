/** Elasticsearch 8 implementation of the search sink (`@elastic/elasticsearch`). */
import { Client } from '@elastic/elasticsearch';
import {
  bulkCreateOperations,
  bulkCreateResult,
  bulkOperations,
  bulkResult,
  isAlreadyExists,
  isNotFound,
  searchBody,
} from './bulk.js';
import { retryWhileShardsStart } from './shards-starting.js';
import type { Json, SearchRequest, SearchSink } from './types.js';

/** Connection settings for Elasticsearch. */
export interface ElasticsearchOptions {
  url: string;
  /** Basic auth or an API key (`Authorization: ApiKey …`). */
  auth?: { username: string; password: string } | { apiKey: string };
  /** TLS of an https URL: CA and verification. */
  ssl?: { ca?: Buffer; rejectUnauthorized: boolean };
  requestTimeoutMs?: number;
}

/** Build an Elasticsearch-backed search sink. */
export function createElasticsearchSink(opts: ElasticsearchOptions): SearchSink {
  const client = new Client({
    node: opts.url,
    auth: opts.auth,
    ...(opts.ssl ? { tls: opts.ssl } : {}),
    requestTimeout: opts.requestTimeoutMs ?? 30_000,
  });
  // Request bodies are engine-neutral JSON; the client's strict DSL types add nothing here.
  const c = client as unknown as Record<string, any>;
  return {
    engine: 'elasticsearch',
    async info() {
      const r = await client.info();
      return { engine: 'elasticsearch', version: r.version.number, clusterName: r.cluster_name };
    },
    async putIndexTemplate(name, indexPatterns, def) {
      await c.indices.putIndexTemplate({ name, index_patterns: indexPatterns, template: def });
    },
    async ensureIndex(index, def) {
      try {
        await c.indices.create({ index, settings: def?.settings, mappings: def?.mappings });
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
      }
    },
    async deleteIndex(index) {
      try {
        await client.indices.delete({ index });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    },
    async bulkIndex(index, docs, o) {
      if (docs.length === 0) return { written: 0, failed: [] };
      const body = await c.bulk({ operations: bulkOperations(index, docs), refresh: o?.refresh ? 'true' : 'false' });
      return bulkResult(body);
    },
    async bulkCreate(index, docs, o) {
      if (docs.length === 0) return { created: [], conflicts: [], failed: [] };
      const body = await c.bulk({
        operations: bulkCreateOperations(index, docs),
        refresh: o?.refresh ? 'true' : 'false',
      });
      return bulkCreateResult(body);
    },
    async mget<T = Json>(index: string, ids: string[]) {
      const out = new Map<string, T>();
      if (ids.length === 0) return out;
      const r = await c.mget({ index, ids });
      for (const d of r.docs as { _id: string; found?: boolean; _source?: T }[])
        if (d.found) out.set(d._id, d._source as T);
      return out;
    },
    async get<T = Json>(index: string, id: string) {
      try {
        const r = await c.get({ index, id });
        return r.found ? (r._source as T) : undefined;
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    },
    async search<T = Json>(index: string, req: SearchRequest) {
      const r = await retryWhileShardsStart<Record<string, any>>(() => c.search({ index, ...searchBody(req) }));
      return {
        total: typeof r.hits.total === 'number' ? r.hits.total : r.hits.total.value,
        hits: r.hits.hits.map((h: { _id: string; _source: T }) => ({ id: h._id, source: h._source })),
        aggregations: r.aggregations,
      };
    },
    async deleteByQuery(index, query, o) {
      try {
        const r = await c.deleteByQuery({ index, query, refresh: o?.refresh ?? false, conflicts: 'proceed' });
        return r.deleted ?? 0;
      } catch (err) {
        if (isNotFound(err)) return 0;
        throw err;
      }
    },
    async refresh(index) {
      await client.indices.refresh({ index });
    },
    async close() {
      await client.close();
    },
  };
}
