/**
 * `npm run bench:profile-cache`: memory per cached profile. Loads every profile of the configured store into
 * a ProfileCache and reports the V8 heap growth per entry (run with --expose-gc for a settled heap).
 */
import { createProfilesStore } from '../../adapters/profiles/index.js';
import { effectiveEnv, loadConfig } from '../../lib/config.js';
import { ProfileCache } from '../../lib/profile-cache.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc (npm run bench:profile-cache does)');
const cfg = loadConfig(effectiveEnv());
const store = createProfilesStore(cfg.profiles);
const cache = new ProfileCache();
gc();
const before = process.memoryUsage().heapUsed;
const t0 = performance.now();
await cache.refresh(store, 0);
const loadMs = performance.now() - t0;
gc();
const after = process.memoryUsage().heapUsed;
await store.close();
const perProfile = (after - before) / Math.max(1, cache.size);
console.log(JSON.stringify({ profiles: cache.size, heapGrowthMB: Number(((after - before) / 2 ** 20).toFixed(1)), bytesPerProfile: Math.round(perProfile), fullLoadS: Number((loadMs / 1000).toFixed(2)), projected1MProfilesMB: Math.round((perProfile * 1e6) / 2 ** 20) }, null, 2));
