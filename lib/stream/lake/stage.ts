/**
 * The stream → lake sink's first half, run where the fold runs (a state thread): a batch's accepted events of one
 * partition appended as CSV rows, one file per event-time hour, into the partition's open area
 * (`<open dir>/date=D/hour=H/o<batch start>-<last offset>.csv`). Each row is encoded straight into a per-hour
 * byte buffer (`csv-buffer.ts`: no string or object per row), written out in ~1 MB pieces (memory does not grow
 * with the batch); files are written under a hidden temporary name and renamed when the batch finishes, so a
 * file with the final name is always whole. Whether a batch counts is decided later, by its checkpoint: see
 * `sink-lake.ts`.
 */
import { closeSync, mkdirSync, openSync, renameSync, rmSync } from 'node:fs';
import { hourPartition, partitionPath, WEB_EVENT_COLUMNS } from '../../../common/lake.js';
import type { WebEvent } from '../../../common/events.js';
import { CsvRowBuffer } from './csv-buffer.js';

/** One hour's file a batch staged. */
export interface StagedHour {
  /** Start of the hour, epoch ms. */
  hourMs: number;
  path: string;
  rows: number;
}

/** An accepted event with what the fold derived for it. */
export interface LakeRow {
  event: WebEvent;
  country: string;
  plan: string;
  unknownCustomer: boolean;
  statusCategory: string;
  partition: number;
  offset: number;
}

const HOUR_MS = 3_600_000;
const FLUSH_BYTES = 1 << 20;
/** Buffers of finished batches, reused by the next ones (a thread stages a few hours at a time). */
const spare: CsvRowBuffer[] = [];
const MAX_SPARE = 8;
const release = (b: CsvRowBuffer): void => {
  b.clear();
  if (spare.length < MAX_SPARE) spare.push(b);
};

/** Number of CSV columns a staged row has (= `WEB_EVENT_COLUMNS`). */
export const STAGED_COLUMNS = WEB_EVENT_COLUMNS.length;

const pad = (offset: number): string => String(offset).padStart(20, '0');

/**
 * Name of a batch's staged file in an hour directory: the batch's start offset (which orders and identifies it)
 * and the last offset the file holds, so that the compaction sees from the names alone whether files overlap.
 */
export const stagedFileName = (start: number, last: number): string => `o${pad(start)}-${pad(last)}.csv`;

/** The offsets a staged file's name gives: `[start, last]`, or only the start for the older `o<start>.csv`. */
export function stagedRange(name: string): { start: number; last?: number } | undefined {
  const m = /^o(\d{20})(?:-(\d{20}))?\.csv$/.exec(name);
  if (!m) return undefined;
  return m[2] === undefined ? { start: Number(m[1]) } : { start: Number(m[1]), last: Number(m[2]) };
}

interface HourFile {
  hourMs: number;
  out: CsvRowBuffer;
  fd: number;
  rows: number;
  /** Offset of the last row (rows come in offset order). */
  last: number;
  dir: string;
  tmp: string;
}

/** The rows of one open batch, per hour (see module doc). */
export class LakeStage {
  private readonly hours = new Map<number, HourFile>();
  /** The hour of the previous row (consecutive events are mostly in the same hour). */
  private last: HourFile | undefined;
  constructor(
    private readonly openDir: string,
    private readonly start: number,
  ) {}

  /** Append one accepted event. */
  add(r: LakeRow): void {
    this.append(r.event, r.country, r.plan, r.unknownCustomer, r.statusCategory, r.partition, r.offset);
  }

  /** Append one accepted event, given field by field (the fold's path: no object per event). */
  append(
    e: WebEvent,
    country: string,
    plan: string,
    unknownCustomer: boolean,
    statusCategory: string,
    partition: number,
    offset: number,
  ): void {
    const hourMs = Math.floor(e.eventTimeMs / HOUR_MS) * HOUR_MS;
    const h = this.last?.hourMs === hourMs ? this.last : this.hour(hourMs);
    this.last = h;
    const b = h.out;
    // Room for the longest row these fields can make (every UTF-16 unit as 3 bytes, every quote doubled).
    b.reserve(
      6 *
        (e.eventId.length +
          e.customerId.length +
          e.eventType.length +
          e.contentId.length +
          e.device.length +
          statusCategory.length +
          country.length +
          plan.length) +
        160,
    );
    b.int(e.eventTimeMs);
    b.comma();
    b.quoted(e.eventId);
    b.comma();
    b.quoted(e.customerId);
    b.comma();
    b.quoted(e.eventType);
    b.comma();
    b.quoted(e.contentId);
    b.comma();
    b.quoted(e.device);
    b.comma();
    b.int(e.httpStatus);
    b.comma();
    b.raw(statusCategory);
    b.comma();
    b.number(e.watchMs);
    b.comma();
    b.quoted(country);
    b.comma();
    b.quoted(plan);
    b.comma();
    b.raw(unknownCustomer ? 'true' : 'false');
    b.comma();
    b.int(partition);
    b.comma();
    b.int(offset);
    b.newline();
    h.rows++;
    h.last = offset;
    if (b.length >= FLUSH_BYTES) b.drainTo(h.fd);
  }

  private hour(hourMs: number): HourFile {
    let h = this.hours.get(hourMs);
    if (h) return h;
    const dir = `${this.openDir}/${partitionPath(hourPartition(hourMs))}`;
    mkdirSync(dir, { recursive: true });
    const tmp = `${dir}/.o${pad(this.start)}.csv.tmp`;
    // 'w' truncates a file left by an attempt that died.
    const fd = openSync(tmp, 'w');
    const out = spare.pop() ?? new CsvRowBuffer(FLUSH_BYTES + (64 << 10));
    this.hours.set(hourMs, (h = { hourMs, out, fd, rows: 0, last: this.start, dir, tmp }));
    return h;
  }

  /** Write what is buffered and give every hour's file its final name (on an error, {@link abort}s the rest). */
  finish(): StagedHour[] {
    const out: StagedHour[] = [];
    try {
      for (const h of [...this.hours.values()].sort((a, b) => a.hourMs - b.hourMs)) {
        h.out.drainTo(h.fd);
        closeSync(h.fd);
        this.hours.delete(h.hourMs);
        const final = `${h.dir}/${stagedFileName(this.start, h.last)}`;
        renameSync(h.tmp, final);
        release(h.out);
        out.push({ hourMs: h.hourMs, path: final, rows: h.rows });
      }
    } catch (err) {
      this.abort();
      throw err;
    }
    this.last = undefined;
    return out;
  }

  /** Remove the temporary files of a batch that will not finish. */
  abort(): void {
    for (const h of this.hours.values()) {
      try {
        closeSync(h.fd);
      } catch {
        // already closed
      }
      rmSync(h.tmp, { force: true });
      release(h.out);
    }
    this.hours.clear();
    this.last = undefined;
  }
}
