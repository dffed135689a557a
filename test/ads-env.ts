/** The isolated names and directories of one ad-stream test file (topics, workflow id, task queue, lake, work). */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { adsIsolatedEnv } from '../scripts/ads-isolated-env.js';
import { uniqueName } from './helpers.js';

/** Env overrides for an ad-stream test named `name`, and the temporary directory holding its files. */
export function adsTestEnv(name: string) {
  const id = uniqueName(name).replace(/[^a-z0-9-]/g, '');
  const dir = mkdtempSync(`${tmpdir()}/${name}-`);
  return {
    dir,
    env: {
      ...adsIsolatedEnv(id, dir),
      ADS_CAMPAIGNS_PATH: `${dir}/campaigns.csv`,
      KAFKA_TOPIC_EVENTS: `${id}-events`,
    },
  };
}
