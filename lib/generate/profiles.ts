/** Realistic customer profiles C000001 … C{count}, deterministic per seed. */
import type { CustomerProfile } from '../../adapters/profiles/types.js';
import { createRng, customerId } from './random.js';

const COUNTRIES: [string, number][] = [
  ['US', 30],
  ['GB', 10],
  ['DE', 10],
  ['FR', 8],
  ['BR', 8],
  ['IN', 8],
  ['JP', 6],
  ['CA', 5],
  ['ES', 5],
  ['IT', 4],
  ['MX', 3],
  ['AU', 3],
];
const PLANS: [string, number][] = [
  ['free', 35],
  ['basic', 30],
  ['standard', 22],
  ['premium', 13],
];
const SYLLABLES = [
  'an',
  'be',
  'ca',
  'do',
  'el',
  'fa',
  'gi',
  'ho',
  'is',
  'ju',
  'ka',
  'lo',
  'mi',
  'no',
  'or',
  'pa',
  'ri',
  'sa',
  'ta',
  'vi',
];

/** Profile number `n` (1-based) for a given seed. */
export function generateProfile(n: number, seed: number): CustomerProfile {
  const rng = createRng(seed * 1_000_003 + n);
  const name = (k: number) => Array.from({ length: k }, () => rng.pick(SYLLABLES)).join('');
  const first = name(2);
  const last = name(3);
  const signup = new Date(Date.UTC(2019, 0, 1) + rng.int(0, 5 * 365) * 86_400_000).toISOString().slice(0, 10);
  return {
    customerId: customerId(n),
    name: `${first[0]!.toUpperCase()}${first.slice(1)} ${last[0]!.toUpperCase()}${last.slice(1)}`,
    email: `${first}.${last}${n}@example.test`,
    country: rng.weighted(COUNTRIES),
    plan: rng.weighted(PLANS),
    signupDate: signup,
  };
}
