/** Chooses the search sink adapter from config. */
import type { AppConfig } from '../../lib/config.js';
import { createElasticsearchSink } from './elasticsearch.js';
import { createOpenSearchSink } from './opensearch.js';
import type { SearchSink } from './types.js';

/** Build the configured engine's search sink. */
export function createSearchSink(cfg: AppConfig['search']): SearchSink {
  const opts = { url: cfg.url, auth: cfg.auth };
  return cfg.engine === 'elasticsearch' ? createElasticsearchSink(opts) : createOpenSearchSink(opts);
}

export type { SearchSink } from './types.js';
