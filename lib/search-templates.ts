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
