/**
 * Search sink contract: what the batch and speed layers need from a search engine. Implemented for
 * OpenSearch and Elasticsearch; the same contract tests run against every engine that is up.
 */

/**
 * What `createSearchSink` takes: the engine, its URL, basic auth or an API key, and the TLS of an https URL (the CA
 * file is read when the sink is created). Mapped from the config by `searchSinkOptions` (lib/adapter-options.ts).
 */
export interface SearchSinkOptions {
  engine: 'opensearch' | 'elasticsearch';
  url: string;
  auth?: { username: string; password: string };
  apiKey?: string;
  tls?: { caFile?: string; rejectUnauthorized: boolean };
}

/** A JSON object as sent to or read from the engine. */
export type Json = Record<string, unknown>;

/** One document to write with its deterministic id. */
export interface DocWrite {
  id: string;
  doc: Json;
}

/** Outcome of a bulk write: how many succeeded and which ids failed with the engine's reason. */
export interface BulkResult {
  written: number;
  failed: { id: string; status: number; reason: string }[];
}

/** A search request in the engines' shared query DSL. */
export interface SearchRequest {
  query?: Json;
  size?: number;
  sort?: unknown[];
  aggs?: Json;
  /** Only these source fields (all when omitted). */
  fields?: string[];
}

/** Hits and aggregations of a search. */
export interface SearchResult<T = Json> {
  total: number;
  hits: { id: string; source: T }[];
  aggregations?: Json;
}

/** Index settings and mappings, as in the engines' create-index body. */
export interface IndexDefinition {
  settings?: Json;
  mappings?: Json;
}

/** Engine-neutral operations used by the pipeline. Every method rejects on transport errors. */
export interface SearchSink {
  /** `opensearch` or `elasticsearch`. */
  readonly engine: 'opensearch' | 'elasticsearch';
  /** Server identity from a real round trip. */
  info(): Promise<{ engine: string; version: string; clusterName: string }>;
  /** Create or replace a composable index template matching `indexPatterns`. */
  putIndexTemplate(name: string, indexPatterns: string[], def: IndexDefinition): Promise<void>;
  /** Create an index unless it exists (idempotent). */
  ensureIndex(index: string, def?: IndexDefinition): Promise<void>;
  /** Delete an index; missing is fine. */
  deleteIndex(index: string): Promise<void>;
  /** Index (create or overwrite) documents by id. */
  bulkIndex(index: string, docs: DocWrite[], opts?: { refresh?: boolean }): Promise<BulkResult>;
  /** Create documents that do not exist yet; ids that already exist are returned as conflicts (not errors). */
  bulkCreate(
    index: string,
    docs: DocWrite[],
    opts?: { refresh?: boolean },
  ): Promise<{ created: string[]; conflicts: string[]; failed: BulkResult['failed'] }>;
  /** Fetch many documents by id; absent ids are missing from the map. */
  mget<T = Json>(index: string, ids: string[]): Promise<Map<string, T>>;
  /** Fetch one document by id (undefined when absent). */
  get<T = Json>(index: string, id: string): Promise<T | undefined>;
  /** Run a search. */
  search<T = Json>(index: string, req: SearchRequest): Promise<SearchResult<T>>;
  /** Delete documents matching a query; returns how many were deleted. */
  deleteByQuery(index: string, query: Json, opts?: { refresh?: boolean }): Promise<number>;
  /** Make recent writes visible to search. */
  refresh(index: string): Promise<void>;
  /** Close connections. */
  close(): Promise<void>;
}
