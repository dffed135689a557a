/**
 * Combining the validator's day aggregates of a day: the ranges' counts are added and their customer masks
 * united over one set of customer keys (snapshot indices, then unknown customers by id), giving the distinct
 * customers per hour and dimension group; distinct addresses are counted from the ranges' sorted sets, and the
 * distinct customers of chosen paths and content ids from their (path, customer) pairs on request.
 */
import { CATS, DEVICE_STRIDE, DEVICES, DIM_MEASURES, HOUR_MEASURES, PATH_MEASURES } from './day-aggregator.js';
import type { DayPartial } from './partial-file.js';
import type { ProfileSnapshot } from './profile-snapshot.js';
import { countDistinctSorted } from './sorted.js';

/** A day's combined counts (layouts as in `DayAggregator`, paths by their index in {@link CombinedDay.paths}). */
export interface CombinedDay {
  paths: string[];
  pathStats: Float64Array;
  dims: Float64Array;
  hours: Float64Array;
  status: Float64Array;
  uniqueCustomers: number;
  hourCustomers: Int32Array;
  dimCustomers: Int32Array;
  uniqueIps: number;
  /**
   * Distinct customers of the paths and content groups chosen: `pathGroup[p]` and `contentGroup[p]` are the
   * group index of path `p` in each (or -1); returns the distinct customers per path group and per content group.
   */
  groupCustomers(
    pathGroup: Int32Array,
    pathGroups: number,
    contentGroup: Int32Array,
    contentGroups: number,
  ): [paths: Int32Array, contents: Int32Array];
}

/** Combine the partials of a day (all made with snapshot `snap`). */
export function combineDayPartials(partials: DayPartial[], snap: ProfileSnapshot): CombinedDay {
  const known = snap.ids.length;
  // Customer keys: snapshot indices, then unknown customers by id across the partials.
  const unknownKey = new Map<string, number>();
  const pathKey = new Map<string, number>();
  const paths: string[] = [];
  const custMaps: Int32Array[] = [];
  const pathMaps: Int32Array[] = [];
  for (const p of partials) {
    const m = new Int32Array(p.unknownCustomers.length);
    p.unknownCustomers.forEach((id, i) => {
      let k = unknownKey.get(id);
      if (k === undefined) unknownKey.set(id, (k = known + unknownKey.size));
      m[i] = k;
    });
    custMaps.push(m);
    const pm = new Int32Array(p.paths.length);
    p.paths.forEach((path, i) => {
      let k = pathKey.get(path);
      if (k === undefined) {
        pathKey.set(path, (k = paths.length));
        paths.push(path);
      }
      pm[i] = k;
    });
    pathMaps.push(pm);
  }
  const customers = known + unknownKey.size;
  const custOf = (pi: number, c: number): number => (c < known ? c : custMaps[pi]![c - known]!);

  const dims = new Float64Array(snap.combos.length * DEVICES.length * CATS * DIM_MEASURES);
  const hours = new Float64Array(24 * HOUR_MEASURES);
  const status = new Float64Array(600 * 2);
  const pathStats = new Float64Array(paths.length * PATH_MEASURES);
  const hourMask = new Int32Array(customers);
  const deviceMask = new Uint8Array(customers * DEVICE_STRIDE);
  const otherIps = new Set<string>();
  partials.forEach((p, pi) => {
    if (p.snapshotId !== snap.id) throw new Error(`day aggregates of snapshot ${p.snapshotId}, not ${snap.id}`);
    add(dims, p.dims);
    add(hours, p.hours);
    add(status, p.status);
    const pm = pathMaps[pi]!;
    for (let i = 0; i < pm.length; i++)
      for (let m = 0; m < PATH_MEASURES; m++)
        pathStats[pm[i]! * PATH_MEASURES + m]! += p.pathStats[i * PATH_MEASURES + m]!;
    for (let c = 0; c < p.hourMask.length; c++) {
      const h = p.hourMask[c]!;
      if (h === 0) continue;
      const g = custOf(pi, c);
      hourMask[g]! |= h;
      for (let d = 0; d < DEVICE_STRIDE; d++)
        deviceMask[g * DEVICE_STRIDE + d]! |= p.deviceMask[c * DEVICE_STRIDE + d]!;
    }
    for (const v of p.otherIps) otherIps.add(v);
  });

  // Distinct customers per hour and per dimension group, from the united masks.
  const hourCustomers = new Int32Array(24);
  const dimCustomers = new Int32Array(dims.length / DIM_MEASURES);
  let uniqueCustomers = 0;
  for (let c = 0; c < customers; c++) {
    const h = hourMask[c]!;
    if (h === 0) continue;
    uniqueCustomers++;
    for (let hr = 0; hr < 24; hr++) if (h & (1 << hr)) hourCustomers[hr]!++;
    const combo = c < known ? snap.combo[c]! : snap.combos.length - 1;
    for (let d = 0; d < DEVICES.length; d++) {
      const m = deviceMask[c * DEVICE_STRIDE + d]!;
      for (let k = 0; k < CATS; k++) if (m & (1 << k)) dimCustomers[(combo * DEVICES.length + d) * CATS + k]!++;
    }
  }

  const uniqueIps = countDistinctSorted(partials.map((p) => p.ips)) + otherIps.size;

  const groupCustomers: CombinedDay['groupCustomers'] = (pathGroup, pathGroups, contentGroup, contentGroups) => {
    // One bit per customer key and group: the (path, customer) pairs of different ranges may repeat.
    const pathCustomers = new Int32Array(pathGroups);
    const contentCustomers = new Int32Array(contentGroups);
    const row = (customers + 7) >>> 3;
    const pathSeen = new Uint8Array(row * pathGroups);
    const contentSeen = new Uint8Array(row * contentGroups);
    partials.forEach((p, pi) => {
      const pm = pathMaps[pi]!;
      const stride = p.pairStride;
      const pairs = p.pairs32.length > 0 ? p.pairs32 : p.pairs64;
      for (let i = 0; i < pairs.length; i++) {
        const key = pairs[i]!;
        const lc = Math.floor(key / stride);
        const gp = pm[key - lc * stride]!;
        const tp = pathGroup[gp]!;
        const tc = contentGroup[gp]!;
        if (tp < 0 && tc < 0) continue;
        const c = custOf(pi, lc);
        const byte = c >>> 3;
        const bit = 1 << (c & 7);
        if (tp >= 0 && (pathSeen[tp * row + byte]! & bit) === 0) {
          pathSeen[tp * row + byte]! |= bit;
          pathCustomers[tp]!++;
        }
        if (tc >= 0 && (contentSeen[tc * row + byte]! & bit) === 0) {
          contentSeen[tc * row + byte]! |= bit;
          contentCustomers[tc]!++;
        }
      }
    });
    return [pathCustomers, contentCustomers];
  };
  return {
    paths,
    pathStats,
    dims,
    hours,
    status,
    uniqueCustomers,
    hourCustomers,
    dimCustomers,
    uniqueIps,
    groupCustomers,
  };
}

function add(into: Float64Array, from: Float64Array): void {
  for (let i = 0; i < from.length; i++) into[i]! += from[i]!;
}
