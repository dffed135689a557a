/**
 * Test fixture builder (used by unit tests of the partition step and the lake DDL): a generated day of web logs
 * written to `<root>/day.csv` and validated into hourly clean CSVs under `<root>/clean` (quarantine `<root>/q`).
 */
import { statSync, writeFileSync } from 'node:fs';
import type { ValidateResult } from '../../common/batch.js';
import { generateWeblogLines } from '../generate/weblogs.js';
import { validateFileToHourlyCsv } from './validate-file.js';

/** Generate `rows` CSV lines for `date` (seeded) and validate them as one file; returns the validation counts. */
export async function validatedDay(
  root: string,
  o: { date: string; rows: number; badRate: number; customers: number; seed: number },
): Promise<ValidateResult> {
  const lines = [...generateWeblogLines({ ...o, format: 'csv' })];
  writeFileSync(`${root}/day.csv`, `${lines.join('\n')}\n`);
  return validateFileToHourlyCsv({
    date: o.date,
    file: {
      name: 'day.csv',
      size: statSync(`${root}/day.csv`).size,
      sha256: 'abc',
      stagedPath: `${root}/day.csv`,
      gzip: false,
    },
    cleanDir: `${root}/clean`,
    quarantineDir: `${root}/q`,
    parallelMinBytes: Infinity,
  });
}
