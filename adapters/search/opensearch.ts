/** OpenSearch implementation of the search sink (`@opensearch-project/opensearch`). */
import { Client } from '@opensearch-project/opensearch';
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
import type { Json, SearchSink } from './types.js';

/** Connection settings for OpenSearch. */
export interface OpenSearchOptions {
  url: string;
  /** Basic auth or an API key (`Authorization: ApiKey …`). */
  auth?: { username: string; password: string } | { apiKey: string };
  /** TLS of an https URL: CA and verification. */
  ssl?: { ca?: Buffer; rejectUnauthorized: boolean };
  requestTimeoutMs?: number;
}

/** Build an OpenSearch-backed search sink. */
export function createOpenSearchSink(opts: OpenSearchOptions): SearchSink {
  // The OpenSearch client takes basic auth only: an API key goes as the header Elasticsearch-style proxies and plugins read.
  const apiKey = opts.auth && 'apiKey' in opts.auth ? opts.auth.apiKey : undefined;
  const client = new Client({
    node: opts.url,
    ...(apiKey
      ? { headers: { authorization: `ApiKey ${apiKey}` } }
      : { auth: opts.auth as { username: string; password: string } | undefined }),
    ...(opts.ssl ? { ssl: opts.ssl } : {}),
    requestTimeout: opts.requestTimeoutMs ?? 30_000,
  });
  // The 3.x client's request types are generated per API; our bodies are plain engine-neutral JSON.
  const c = client as unknown as Record<string, any>;
  return {
    engine: 'opensearch',
    async info() {
      const { body } = await client.info();
      return { engine: 'opensearch', version: body.version.number, clusterName: body.cluster_name };
    },
    async putIndexTemplate(name, indexPatterns, def) {
      await c.indices.putIndexTemplate({ name, body: { index_patterns: indexPatterns, template: def } });
    },
    async ensureIndex(index, def) {
      try {
        await c.indices.create({ index, body: def ?? {} });
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
      const { body } = await c.bulk({ body: bulkOperations(index, docs), refresh: o?.refresh ? 'true' : 'false' });
      return bulkResult(body);
    },
    async bulkCreate(index, docs, o) {
      if (docs.length === 0) return { created: [], conflicts: [], failed: [] };
      const { body } = await c.bulk({
        body: bulkCreateOperations(index, docs),
        refresh: o?.refresh ? 'true' : 'false',
      });
      return bulkCreateResult(body);
    },
    async mget<T = Json>(index: string, ids: string[]) {
      const out = new Map<string, T>();
      if (ids.length === 0) return out;
      const { body } = await c.mget({ index, body: { ids } });
      for (const d of body.docs as { _id: string; found?: boolean; _source?: T }[])
        if (d.found) out.set(d._id, d._source as T);
      return out;
    },
    async get<T = Json>(index: string, id: string) {
      try {
        const { body } = await c.get({ index, id });
        return body.found ? (body._source as T) : undefined;
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    },
    async search<T = Json>(index: string, req: import('./types.js').SearchRequest) {
      const { body } = await retryWhileShardsStart<Record<string, any>>(() =>
        c.search({ index, body: searchBody(req) }),
      );
      return {
        total: typeof body.hits.total === 'number' ? body.hits.total : body.hits.total.value,
        hits: body.hits.hits.map((h: { _id: string; _source: T }) => ({ id: h._id, source: h._source })),
        aggregations: body.aggregations,
      };
    },
    async deleteByQuery(index, query, o) {
      try {
        const { body } = await c.deleteByQuery({
          index,
          body: { query },
          refresh: o?.refresh ?? false,
          conflicts: 'proceed',
        });
        return body.deleted ?? 0;
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
