/**
 * Index names and templates the project creates in the search engine (same JSON for OpenSearch and
 * Elasticsearch). Kibana saved objects and the serving layer rely on these field names.
 */
import type { IndexDefinition } from '../adapters/search/types.js';

/** Index of the batch view (daily aggregates). */
export const batchIndex = (prefix: string): string => `${prefix}-batch-daily`;

const long = { type: 'long' };
const kw = { type: 'keyword' };

/** Template of the batch-view indices (`<prefix>-batch-*`). */
export const BATCH_TEMPLATE: IndexDefinition = {
  settings: { number_of_shards: 1, number_of_replicas: 0 },
  mappings: {
    dynamic: 'strict',
    properties: {
      date: { type: 'date', format: 'yyyy-MM-dd' },
      kind: kw,
      input_fingerprint: kw,
      country: kw,
      plan: kw,
      device: kw,
      status_category: kw,
      http_status: { type: 'integer' },
      status_description: kw,
      status_known: { type: 'boolean' },
      hour: { type: 'integer' },
      path: kw,
      content_id: kw,
      requests: long,
      bytes: long,
      unique_customers: long,
      unique_ips: long,
      unknown_customer_requests: long,
      content_views: long,
      error_requests: long,
      by_status_category: { type: 'object', dynamic: true },
      landed_files: long,
      landed_rows: long,
      valid_rows: long,
      rejected_rows: long,
      rejected_by_reason: { type: 'object', dynamic: true },
      // A date recomputed from the lake's web_events (`batch run --source events`) says so and carries watch time.
      source: kw,
      watch_ms: { type: 'double' },
      hours_registered: kw,
      lake_files: long,
    },
  },
};

/**
 * Speed view, window cube: one document per (window, event type, country, plan, device, status category, input
 * partition) holding that partition's absolute totals, rewritten whenever a micro-batch touches the cell.
 */
export const speedIndex = (prefix: string): string => `${prefix}-speed-windows`;
/** Speed view, content rollup: one document per (window, content id, input partition), absolute totals. */
export const speedContentIndex = (prefix: string): string => `${prefix}-speed-content`;
/**
 * Speed view, unique customers: one document per (window, input partition) with a mergeable customer sketch
 * (`lib/stream/sketch.ts`: exact below 10,000 customers, HyperLogLog above) and that partition's estimate.
 */
export const speedUniquesIndex = (prefix: string): string => `${prefix}-speed-uniques`;
/** Index of per-minute reject counters (late, dead-lettered, duplicates) per partition micro-batch. */
export const speedCountersIndex = (prefix: string): string => `${prefix}-speed-counters`;
/** Every index of the speed view (created on the first micro-batch, removed by `stream start --from-scratch`). */
export const speedIndices = (prefix: string): string[] => [
  speedIndex(prefix),
  speedContentIndex(prefix),
  speedUniquesIndex(prefix),
  speedCountersIndex(prefix),
];

/** Template of the speed-view indices (`<prefix>-speed-*`). */
export const SPEED_TEMPLATE: IndexDefinition = {
  settings: { number_of_shards: 1, number_of_replicas: 0, refresh_interval: '1s' },
  mappings: {
    dynamic: 'strict',
    properties: {
      cell: kw,
      window_start: { type: 'date' },
      minute: { type: 'date' },
      event_type: kw,
      country: kw,
      plan: kw,
      device: kw,
      status_category: kw,
      content_id: kw,
      partition: { type: 'integer' },
      /** Offset of the micro-batch that created the document (a rewind or retry from before it deletes it). */
      first_offset: long,
      /** Start offset of the micro-batch that last wrote the document. */
      last_offset: long,
      /** Start offset of the micro-batch a counters document belongs to. */
      start_offset: long,
      events: long,
      watch_ms: long,
      unknown_customer_events: long,
      unique_customers: long,
      customers_sketch: { type: 'binary' },
      late: long,
      dead_lettered: long,
      duplicates: long,
    },
  },
};
