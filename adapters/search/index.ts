/** Chooses the search sink adapter from config. */
import type { AppConfig } from '../../lib/config.js';
import { searchClientAuth } from '../../lib/security.js';
import { createElasticsearchSink } from './elasticsearch.js';
import { createOpenSearchSink } from './opensearch.js';
import type { SearchSink } from './types.js';

/** Build the configured engine's search sink (basic auth or API key, TLS per `searchClientAuth`). */
export function createSearchSink(cfg: AppConfig['search']): SearchSink {
  const opts = { url: cfg.url, ...searchClientAuth(cfg) };
  return cfg.engine === 'elasticsearch' ? createElasticsearchSink(opts) : createOpenSearchSink(opts);
}

export type { SearchSink } from './types.js';
