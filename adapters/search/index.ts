/** Chooses the search sink adapter from its options. */
import { searchClientAuth } from '../../lib/security.js';
import { createElasticsearchSink } from './elasticsearch.js';
import { createOpenSearchSink } from './opensearch.js';
import type { SearchSink, SearchSinkOptions } from './types.js';

/** Build the chosen engine's search sink (basic auth or API key, TLS per `searchClientAuth`). */
export function createSearchSink(opts: SearchSinkOptions): SearchSink {
  const client = { url: opts.url, ...searchClientAuth(opts) };
  return opts.engine === 'elasticsearch' ? createElasticsearchSink(client) : createOpenSearchSink(client);
}

export type { SearchSink, SearchSinkOptions } from './types.js';
