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
    },
  },
};

/** Index of the speed view: one document per (window cell, partition, micro-batch start offset). */
export const speedIndex = (prefix: string): string => `${prefix}-speed-windows`;
/** Index of per-minute reject counters (late, dead-lettered, duplicates) per partition batch. */
export const speedCountersIndex = (prefix: string): string => `${prefix}-speed-counters`;
/** Index of claimed event ids (durable dedupe within the lateness horizon). */
export const speedSeenIndex = (prefix: string): string => `${prefix}-speed-seen`;

/** Template of the speed-view indices (`<prefix>-speed-*`). */
export const SPEED_TEMPLATE: IndexDefinition = {
  settings: { number_of_shards: 1, number_of_replicas: 0, refresh_interval: '1s' },
  mappings: {
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
      start_offset: long,
      events: long,
      watch_ms: long,
      unknown_customer_events: long,
      customers: kw,
      late: long,
      dead_lettered: long,
      duplicates: long,
      event_id: kw,
      offset: long,
      event_time: { type: 'date' },
    },
  },
};
