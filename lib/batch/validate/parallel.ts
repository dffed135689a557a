/**
 * Parallel validation of one uncompressed file: the file is cut into byte ranges at line boundaries, one
 * worker thread validates each range into its own hourly part files (`<sha256>.csv`, `<sha256>.p01.csv`, …
 * — read in name order, they keep the file's row order) and quarantine file. Range 0 writes the final
 * quarantine file; the other ranges' records carry range-local line numbers and are appended afterwards,
 * renumbered by the line counts of the ranges before them.
 */
import { closeSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { RejectReason } from '../../../common/weblog.js';
import type { RangeTask } from './range.js';
import { dayPartialPath } from '../day-agg/partial-file.js';
import type { ScanCounts } from './row-scanner.js';

/**
 * Source of each worker thread. Threads do not inherit the parent's TypeScript loader (tsx, registered by
 * bin/viewership.mjs or the tsx CLI; none under vitest), so the thread registers tsx's CommonJS hook —
 * far quicker to start than its ESM loader thread — and requires the TypeScript worker module.
 */
const require = createRequire(import.meta.url);
const WORKER_SOURCE = `require(${JSON.stringify(require.resolve('tsx/cjs/api'))}).register();
require(${JSON.stringify(fileURLToPath(new URL('./worker.ts', import.meta.url)))});`;

/** Inputs of {@link validateInParallel}. */
export interface ParallelInput {
  path: string;
  size: number;
  parts: number;
  sha256: string;
  format: 'csv' | 'combined';
  dayStartMs: number;
  /** CSV-quoted file name (clean rows' `source_file` and the quarantine's `file` column). */
  source: string;
  cleanDir: string;
  /** The final quarantine file is written as `<rejectsPath>` (header first); part files sit beside it. */
  rejectsPath: string;
  rejectsHeader: string;
  onBytes: (bytesDone: number) => void;
  /** Count the day aggregates: the profile snapshot file and the partials' directory (see validate-file.ts). */
  dayAgg?: { snapshotPath: string; dir: string };
}

/** Start offsets of `parts` ranges of `path` (plus `size` at the end), each right after a `\n`. */
export function cutAtLines(path: string, size: number, parts: number): number[] {
  const cuts = [0];
  const fd = openSync(path, 'r');
  const b = Buffer.allocUnsafe(1 << 16);
  try {
    for (let k = 1; k < parts; k++) {
      let pos = Math.max(Math.floor((size * k) / parts), cuts[k - 1]!);
      for (;;) {
        const n = readSync(fd, b, 0, b.length, pos);
        const nl = b.subarray(0, n).indexOf(10);
        if (n === 0 || nl >= 0) {
          pos = n === 0 ? size : pos + nl + 1;
          break;
        }
        pos += n;
      }
      cuts.push(pos);
    }
  } finally {
    closeSync(fd);
  }
  cuts.push(size);
  return cuts;
}

/** Validate `input.path` with one worker thread per range; returns the file's counts. */
export async function validateInParallel(input: ParallelInput): Promise<ScanCounts> {
  const cuts = cutAtLines(input.path, input.size, input.parts);
  const tasks: RangeTask[] = cuts.slice(0, -1).map((start, k) => {
    const cleanFileName = k === 0 ? `${input.sha256}.csv` : `${input.sha256}.p${String(k).padStart(2, '0')}.csv`;
    return {
      path: input.path,
      start,
      end: cuts[k + 1]!,
      dayStartMs: input.dayStartMs,
      format: input.format,
      firstLine: k === 0,
      source: input.source,
      cleanDir: input.cleanDir,
      cleanFileName,
      rejectsPath: k === 0 ? input.rejectsPath : `${input.rejectsPath}.part${k}`,
      rejectsHeader: k === 0 ? input.rejectsHeader : undefined,
      rejectPrefix: k === 0 ? `${input.source},` : '',
      dayAgg: input.dayAgg && {
        snapshotPath: input.dayAgg.snapshotPath,
        partialPath: dayPartialPath(input.dayAgg.dir, cleanFileName),
      },
    };
  });
  const done = tasks.map(() => 0);
  const workers: Worker[] = [];
  let results: ScanCounts[];
  try {
    results = await Promise.all(
      tasks.map((task, k) =>
        runWorker(task, workers, (bytes) => {
          done[k] = bytes;
          input.onBytes(done.reduce((a, b) => a + b, 0));
        }),
      ),
    );
  } catch (err) {
    await Promise.all(workers.map((w) => w.terminate()));
    throw err;
  }
  let offset = results[0]!.lines;
  for (let k = 1; k < tasks.length; k++) {
    appendRenumbered(tasks[k]!.rejectsPath, input.rejectsPath, `${input.source},`, offset);
    rmSync(tasks[k]!.rejectsPath, { force: true });
    offset += results[k]!.lines;
  }
  const byReason: Partial<Record<RejectReason, number>> = {};
  for (const r of results)
    for (const [reason, n] of Object.entries(r.byReason))
      byReason[reason as RejectReason] = (byReason[reason as RejectReason] ?? 0) + n;
  const sum = (f: (r: ScanCounts) => number) => results.reduce((a, r) => a + f(r), 0);
  return {
    lines: sum((r) => r.lines),
    rows: sum((r) => r.rows),
    valid: sum((r) => r.valid),
    byReason,
    format: input.format,
  };
}

function runWorker(task: RangeTask, workers: Worker[], onBytes: (bytes: number) => void): Promise<ScanCounts> {
  return new Promise((resolve, reject) => {
    const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { task } });
    workers.push(w);
    let counts: ScanCounts | undefined;
    w.on('message', (m: { type: 'progress'; bytes: number } | { type: 'done'; counts: ScanCounts }) => {
      if (m.type === 'progress') onBytes(m.bytes);
      else counts = m.counts;
    });
    w.once('error', reject);
    w.once('exit', (code) =>
      counts
        ? resolve(counts)
        : reject(new Error(`validation worker for bytes ${task.start}-${task.end} exited with code ${code}`)),
    );
  });
}

/**
 * Append quarantine records `<localLine>,<rest>` from `from` to the file `to` as `<prefix><localLine + offset>,<rest>`.
 * Records are single physical lines (the raw line is quoted and never holds a `\n`).
 */
function appendRenumbered(from: string, to: string, prefix: string, offset: number): void {
  const src = openSync(from, 'r');
  const dst = openSync(to, 'a');
  const pre = Buffer.from(prefix, 'utf8');
  let buf = Buffer.allocUnsafe(1 << 20);
  let have = 0;
  try {
    for (;;) {
      if (have === buf.length) buf = Buffer.concat([buf, Buffer.allocUnsafe(buf.length)]);
      const n = readSync(src, buf, have, buf.length - have, null);
      if (n === 0) break;
      have += n;
      const out: Buffer[] = [];
      let ls = 0;
      for (let nl = buf.indexOf(10, ls); nl >= 0 && nl < have; nl = buf.indexOf(10, ls)) {
        const comma = buf.indexOf(44, ls);
        out.push(
          pre,
          Buffer.from(String(Number(buf.toString('latin1', ls, comma)) + offset), 'latin1'),
          buf.subarray(comma, nl + 1),
        );
        ls = nl + 1;
      }
      const chunk = Buffer.concat(out);
      for (let off = 0; off < chunk.length;) off += writeSync(dst, chunk, off);
      buf.copy(buf, 0, ls, have);
      have -= ls;
    }
  } finally {
    closeSync(src);
    closeSync(dst);
  }
}
