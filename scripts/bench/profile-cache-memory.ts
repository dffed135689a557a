/**
 * `npm run bench:profile-cache`: memory per cached profile. Tops the profiles store up to `BENCH_PROFILES`
 * (default 1,000,000; the rows it adds are deleted at the end), loads every profile into a ProfileCache and
 * reports the growth of the V8 heap plus array buffers (the cache's table is a typed array) per entry (run with
 * --expose-gc for a settled heap), and the time of the full load.
 */
import { createProfilesStore } from '../../adapters/profiles/index.js';
import { effectiveEnv, loadConfig } from '../../lib/config.js';
import { ProfileCache } from '../../lib/profile-cache.js';
import { runCleanups } from './stream-env.js';
import { ensureProfiles } from './stream-machine.js';
import { profilesStoreOptions } from '../../lib/adapter-options.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc (npm run bench:profile-cache does)');
const cfg = loadConfig(effectiveEnv());
await ensureProfiles(cfg, Number(process.env.BENCH_PROFILES ?? 1_000_000), false);
const store = createProfilesStore(profilesStoreOptions(cfg));
const cache = new ProfileCache();
const used = () => {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};
gc();
const before = used();
const t0 = performance.now();
await cache.refresh(store, 0);
const loadMs = performance.now() - t0;
gc();
const after = used();
await store.close();
await runCleanups();
const perProfile = (after - before) / Math.max(1, cache.size);
console.log(
  JSON.stringify(
    {
      profiles: cache.size,
      heapAndBuffersGrowthMB: Number(((after - before) / 2 ** 20).toFixed(1)),
      bytesPerProfile: Math.round(perProfile),
      fullLoadS: Number((loadMs / 1000).toFixed(2)),
    },
    null,
    2,
  ),
);
