/**
 * The aggregate step's check that the validator's day aggregates cover the day: one partial per clean output
 * part, all made with the run's profile snapshot, and as many rows as the validation report's valid rows. When
 * they do not (a run started before this step existed, a part validated without a snapshot), the step computes
 * the aggregates from the lake with DuckDB instead, and says why.
 */
import { existsSync, readdirSync } from 'node:fs';
import type { ValidationReport } from '../../../common/batch.js';
import { readDayPartial, type DayPartial } from './partial-file.js';
import type { ProfileSnapshot } from './profile-snapshot.js';

/** The day's partials, or why they cannot stand for the day. */
export type CollectedPartials = { partials: DayPartial[] } | { problem: string };

/** Read the partials in `dayAggDir` and check them against the clean parts in `cleanDir`, `snap` and `report`. */
export function collectDayPartials(
  dayAggDir: string,
  cleanDir: string,
  snap: ProfileSnapshot,
  report: ValidationReport,
): CollectedPartials {
  if (!existsSync(dayAggDir)) return { problem: `no day aggregates in ${dayAggDir}` };
  const names = readdirSync(dayAggDir).filter((f) => f.endsWith('.agg'));
  const have = new Set(names.map((f) => f.slice(0, -'.agg'.length)));
  const hours = existsSync(cleanDir) ? readdirSync(cleanDir).filter((d) => /^hour=\d\d$/.test(d)) : [];
  for (const h of hours)
    for (const f of readdirSync(`${cleanDir}/${h}`).filter((n) => n.endsWith('.csv'))) {
      const stem = f.slice(0, -'.csv'.length);
      if (!have.has(stem)) return { problem: `clean part ${h}/${f} has no day aggregates` };
    }
  const partials = names.sort().map((f) => readDayPartial(`${dayAggDir}/${f}`));
  const stale = partials.find((p) => p.snapshotId !== snap.id);
  if (stale) return { problem: `day aggregates made with profile snapshot ${stale.snapshotId}, not ${snap.id}` };
  const rows = partials.reduce((n, p) => n + p.rows, 0);
  if (rows !== report.valid) return { problem: `day aggregates hold ${rows} rows, validation kept ${report.valid}` };
  return { partials };
}
