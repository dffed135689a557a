/** The project's services in start order, selectable with $VIEWERSHIP_SERVICES (comma list). */
import { elasticsearchService } from './elasticsearch.js';
import { kafkaService } from './kafka.js';
import { opensearchService } from './opensearch.js';
import { postgresService } from './postgres.js';
import { supersetService } from './superset.js';
import { temporalService } from './temporal.js';
import type { ServiceDef } from './types.js';

/** Every service the project knows, in start order (setup runs in this order too: Superset's import after PostgreSQL's migrations). */
export const ALL_SERVICES: readonly ServiceDef[] = [
  postgresService,
  temporalService,
  kafkaService,
  opensearchService,
  elasticsearchService,
  supersetService,
];

/**
 * Services selected by names given on the command line, else by $VIEWERSHIP_SERVICES, else all.
 * Unknown names are an error listing the known ones.
 */
export async function selectServices(names: string[], env: NodeJS.ProcessEnv): Promise<ServiceDef[]> {
  const wanted = names.length
    ? names
    : (env.VIEWERSHIP_SERVICES ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
  if (wanted.length === 0) return [...ALL_SERVICES];
  const unknown = wanted.filter((n) => !ALL_SERVICES.some((s) => s.name === n));
  if (unknown.length)
    throw new Error(`unknown service(s): ${unknown.join(', ')} (known: ${ALL_SERVICES.map((s) => s.name).join(', ')})`);
  return ALL_SERVICES.filter((s) => wanted.includes(s.name));
}
