/** `viewership kibana export`: the Kibana saved objects (data views, Lens visualisations, dashboard) as ndjson. */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { describeConfig, effectiveEnv } from '../lib/config.js';
import { BadInputError } from '../lib/errors.js';
import { buildSavedObjects, toNdjson } from '../lib/kibana/saved-objects.js';

/** Same rule as SEARCH_INDEX_PREFIX in lib/config.ts (index names are lower case). */
const PREFIX = /^[a-z0-9][a-z0-9_-]*$/;

/**
 * The index prefix to export for: `--prefix`, else SEARCH_INDEX_PREFIX from the environment, else its default.
 * Read on its own (not through loadConfig) so exporting needs no service secrets.
 */
export function exportPrefix(flag?: string, env: NodeJS.ProcessEnv = effectiveEnv()): string {
  const dflt = describeConfig().find((d) => d.name === 'SEARCH_INDEX_PREFIX')?.default;
  const prefix = flag ?? env.SEARCH_INDEX_PREFIX ?? String(dflt);
  if (!PREFIX.test(prefix)) throw new BadInputError(`--prefix must match ${PREFIX} (got "${prefix}")`);
  return prefix;
}

/** Write the ndjson to `out` (atomically, creating its directory) or to stdout; returns the objects' count. */
export function kibanaExport(o: { out?: string; prefix?: string }): number {
  const { objects } = buildSavedObjects(exportPrefix(o.prefix));
  const text = toNdjson(objects);
  if (!o.out || o.out === '-') {
    process.stdout.write(text);
  } else {
    const file = resolve(o.out);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(`${file}.tmp`, text);
    renameSync(`${file}.tmp`, file);
    console.error(`wrote ${objects.length} saved objects to ${file}`);
  }
  return objects.length;
}
