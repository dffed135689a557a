/**
 * The bad-file faults: each drops one kind of bad input into a date directory of its own in the landing dir —
 * malformed rows (quarantined), a truncated .gz, a symbolic link, binary junk (refused) — and says what the
 * batch run of that date must do with it.
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { createRng } from '../../lib/generate/random.js';
import { generateWeblogLines } from '../../lib/generate/weblogs.js';

/** The kinds of bad files the run drops. */
export const BAD_FILE_KINDS = ['malformed_rows', 'truncated_gz', 'symlink', 'binary_junk'] as const;
/** One kind of bad file. */
export type BadFileKind = (typeof BAD_FILE_KINDS)[number];

/** A dropped bad file and the outcome its date's batch run must have. */
export interface BadDrop {
  kind: BadFileKind;
  date: string;
  file: string;
  /** `completed` with exactly `quarantined` rows in quarantine, or `refused` with a typed error naming `file`. */
  expect: { outcome: 'completed'; quarantined: Map<string, string> } | { outcome: 'refused' };
}

/** Drop a bad file of `kind` into `<landingDir>/<date>/` (the date's directory is new and holds only this input). */
export function dropBadFile(landingDir: string, kind: BadFileKind, date: string, seed: number): BadDrop {
  const dir = `${landingDir}/${date}`;
  mkdirSync(dir, { recursive: true });
  const lines = (rows: number, badRate: number, onBad?: (l: number, r: string) => void) =>
    [...generateWeblogLines({ date, rows, format: 'csv', badRate, customers: 200, seed }, onBad)].join('\n') + '\n';
  switch (kind) {
    case 'malformed_rows': {
      // Under the default 5 % reject threshold: the run completes and the quarantine holds exactly these rows.
      const quarantined = new Map<string, string>();
      writeFileSync(
        `${dir}/rows.csv`,
        lines(2000, 0.03, (l, r) => quarantined.set(`rows.csv:${l}`, r)),
      );
      return { kind, date, file: 'rows.csv', expect: { outcome: 'completed', quarantined } };
    }
    case 'truncated_gz': {
      const gz = gzipSync(lines(2000, 0));
      writeFileSync(`${dir}/cut.csv.gz`, gz.subarray(0, Math.floor(gz.length / 2)));
      return { kind, date, file: 'cut.csv.gz', expect: { outcome: 'refused' } };
    }
    case 'symlink': {
      writeFileSync(`${dir}/real.csv`, lines(200, 0));
      symlinkSync('/etc/hostname', `${dir}/link.csv`);
      return { kind, date, file: 'link.csv', expect: { outcome: 'refused' } };
    }
    case 'binary_junk': {
      const rng = createRng(seed);
      const junk = Buffer.alloc(64 * 1024);
      for (let i = 0; i < junk.length; i++) junk[i] = rng.int(0, 255);
      writeFileSync(`${dir}/junk.csv`, junk);
      return { kind, date, file: 'junk.csv', expect: { outcome: 'refused' } };
    }
  }
}
