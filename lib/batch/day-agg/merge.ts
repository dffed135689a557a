/**
 * The aggregate step from the validator's day aggregates: the partials are combined (combine.ts) and the batch
 * view's documents built exactly as `computeAggregates` builds them from the lake with DuckDB — same ids,
 * fields, values and order (`merge.test.ts` compares both on the same day).
 */
import type { ValidationReport } from '../../../common/batch.js';
import type { StatusReference } from '../../../common/status.js';
import { statusCategory } from '../../../common/status.js';
import { contentFromPath } from '../../../common/weblog.js';
import { TOP_N, webLogTotalDoc, type BatchDoc } from '../aggregate.js';
import { combineDayPartials } from './combine.js';
import { CATS, DEVICES, DIM_MEASURES, HOUR_MEASURES, PATH_MEASURES } from './day-aggregator.js';
import type { DayPartial } from './partial-file.js';
import type { ProfileSnapshot } from './profile-snapshot.js';

/** Inputs of {@link mergeDayPartials} besides the partials. */
export interface MergeInput {
  date: string;
  fingerprint: string;
  report: ValidationReport;
  landedFiles: number;
}

/**
 * The measures of the group at offset `g` of a dimension or hour counts array (requests, bytes, unknown-customer
 * requests, content views there) with its distinct customers, named and ordered as the DuckDB query names them.
 */
function groupMeasures(counts: Float64Array, g: number, customers: number): Record<string, number> {
  return {
    requests: counts[g]!,
    bytes: counts[g + 1]!,
    unique_customers: customers,
    unknown_customer_requests: counts[g + 2]!,
    content_views: counts[g + 3]!,
  };
}

/** UTF-8 byte order (DuckDB's order of VARCHARs). */
const byBytes = (a: string, b: string): number => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

/** The batch view's documents of a day from its ranges' partials, joined with `snap` and `ref`. */
export function mergeDayPartials(
  partials: DayPartial[],
  snap: ProfileSnapshot,
  ref: StatusReference,
  o: MergeInput,
): BatchDoc[] {
  const day = combineDayPartials(partials, snap);
  const { paths, pathStats, dims, hours, status, hourCustomers, dimCustomers } = day;
  const base = { date: o.date, input_fingerprint: o.fingerprint };
  const docs: BatchDoc[] = [];
  const statusRows: Record<string, string | number | boolean>[] = [];
  for (let code = 0; code < 600; code++) {
    if (status[code * 2] === 0) continue;
    const info = ref.lookup(code);
    statusRows.push({
      http_status: code,
      status_category: statusCategory(code),
      status_description: info.description,
      status_known: info.known,
      requests: status[code * 2]!,
      bytes: status[code * 2 + 1]!,
    });
  }
  const sumHours = (m: number) =>
    Array.from({ length: 24 }, (_, h) => hours[h * HOUR_MEASURES + m]!).reduce((a, b) => a + b, 0);
  const requests = sumHours(0);
  const measures = {
    requests,
    bytes: requests === 0 ? null : sumHours(1),
    unique_customers: day.uniqueCustomers,
    unknown_customer_requests: sumHours(2),
    content_views: sumHours(3),
    unique_ips: day.uniqueIps,
    error_requests: sumHours(4),
  };
  docs.push(webLogTotalDoc(o, base, measures, statusRows));

  const dimRows: { key: string[]; doc: Record<string, unknown> }[] = [];
  for (let combo = 0; combo < snap.combos.length; combo++)
    for (let d = 0; d < DEVICES.length; d++)
      for (let k = 0; k < CATS; k++) {
        const gi = (combo * DEVICES.length + d) * CATS + k;
        const g = gi * DIM_MEASURES;
        if (dims[g] === 0) continue;
        const [country, plan] = snap.combos[combo]!;
        const cat = `${k + 1}xx`;
        dimRows.push({
          key: [country, plan, DEVICES[d]!, cat],
          doc: {
            country,
            plan,
            device: DEVICES[d]!,
            status_category: cat,
            ...groupMeasures(dims, g, dimCustomers[gi]!),
          },
        });
      }
  // In DuckDB's ORDER BY ALL order (the snapshot's pairs are distinct, so no two rows share a key).
  dimRows.sort((a, b) => {
    for (let i = 0; i < 4; i++) {
      const c = byBytes(a.key[i]!, b.key[i]!);
      if (c !== 0) return c;
    }
    return 0;
  });
  for (const r of dimRows) {
    const d = r.doc;
    docs.push({
      id: `${o.date}:dim:${d.country}:${d.plan}:${d.device}:${d.status_category}`,
      doc: { ...base, kind: 'dimension', ...d },
    });
  }
  for (let h = 0; h < 24; h++) {
    const m = h * HOUR_MEASURES;
    if (hours[m] === 0) continue;
    docs.push({
      id: `${o.date}:hour:${String(h).padStart(2, '0')}`,
      doc: {
        ...base,
        kind: 'hour',
        hour: h,
        ...groupMeasures(hours, m, hourCustomers[h]!),
        error_requests: hours[m + 4]!,
      },
    });
  }
  for (const r of statusRows)
    docs.push({ id: `${o.date}:status:${r.http_status}`, doc: { ...base, kind: 'status', ...r } });

  // Top paths and content ids by requests (ties by value), then their distinct customers from the pairs.
  const pathIndex = new Map(paths.map((p, i) => [p, i]));
  const contentOf = paths.map((p) => contentFromPath(p));
  const contentStats = new Map<string, number[]>();
  paths.forEach((p, i) => {
    const c = contentOf[i]!;
    if (c === '') return;
    const s = contentStats.get(c) ?? [0, 0, 0];
    for (let m = 0; m < PATH_MEASURES; m++) s[m]! += pathStats[i * PATH_MEASURES + m]!;
    contentStats.set(c, s);
  });
  const rank = (a: [string, number], b: [string, number]) => b[1] - a[1] || byBytes(a[0], b[0]);
  const topPaths = paths
    .map((p, i): [string, number] => [p, pathStats[i * PATH_MEASURES]!])
    .sort(rank)
    .slice(0, TOP_N);
  const topContent = [...contentStats]
    .map(([c, s]): [string, number] => [c, s[0]!])
    .sort(rank)
    .slice(0, TOP_N);
  const topPathIndex = new Int32Array(paths.length).fill(-1);
  topPaths.forEach(([p], i) => (topPathIndex[pathIndex.get(p)!] = i));
  const topContentIndex = new Map(topContent.map(([c], i) => [c, i]));
  const topContentOfPath = Int32Array.from(contentOf, (c) => (c === '' ? -1 : (topContentIndex.get(c) ?? -1)));
  const [pathCustomers, contentCustomers] = day.groupCustomers(
    topPathIndex,
    topPaths.length,
    topContentOfPath,
    topContent.length,
  );
  topPaths.forEach(([path], i) => {
    const s = pathIndex.get(path)! * PATH_MEASURES;
    docs.push({
      id: `${o.date}:path:${encodeURIComponent(path).slice(0, 200)}`,
      doc: {
        ...base,
        kind: 'path',
        path,
        requests: pathStats[s]!,
        bytes: pathStats[s + 1]!,
        unique_customers: pathCustomers[i]!,
        unknown_customer_requests: pathStats[s + 2]!,
        content_views: contentOf[pathIndex.get(path)!] === '' ? 0 : pathStats[s]!,
      },
    });
  });
  topContent.forEach(([content], i) => {
    const s = contentStats.get(content)!;
    docs.push({
      id: `${o.date}:content:${content}`,
      doc: {
        ...base,
        kind: 'content',
        content_id: content,
        requests: s[0]!,
        bytes: s[1]!,
        unique_customers: contentCustomers[i]!,
        unknown_customer_requests: s[2]!,
        content_views: s[0]!,
      },
    });
  });
  return docs;
}
