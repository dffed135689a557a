/**
 * The stream → lake sink's first half, run where the fold runs (a state thread): a batch's accepted events of one
 * partition appended as CSV rows, one file per event-time hour, into the partition's open area
 * (`<open dir>/date=D/hour=H/o<batch start>.csv`). Rows are buffered and appended in ~1 MB pieces (memory does
 * not grow with the batch); files are written under a hidden temporary name and renamed when the batch
 * finishes, so a file with the final name is always whole. Whether a batch counts is decided later, by its
 * checkpoint: see `sink-lake.ts`.
 */
import { appendFileSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { hourPartition, partitionPath, WEB_EVENT_COLUMNS } from '../../../common/lake.js';
import type { WebEvent } from '../../../common/events.js';

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
const FLUSH_CHARS = 1 << 20;
/** A CSV string field, always quoted (DuckDB reads it back with quote = '"', escape = '"'). */
const q = (s: string): string => (s.includes('"') ? `"${s.replaceAll('"', '""')}"` : `"${s}"`);

/** Number of CSV columns a staged row has (= `WEB_EVENT_COLUMNS`). */
export const STAGED_COLUMNS = WEB_EVENT_COLUMNS.length;

/** Name of a batch's staged file in an hour directory (the batch's start offset orders and identifies it). */
export const stagedFileName = (start: number): string => `o${String(start).padStart(20, '0')}.csv`;

/** The rows of one open batch, per hour (see module doc). */
export class LakeStage {
  private readonly hours = new Map<number, { buf: string; rows: number; tmp: string; final: string }>();
  constructor(
    private readonly openDir: string,
    private readonly start: number,
  ) {}

  /** Append one accepted event. */
  add(r: LakeRow): void {
    const hourMs = Math.floor(r.event.eventTimeMs / HOUR_MS) * HOUR_MS;
    let h = this.hours.get(hourMs);
    if (!h) {
      const dir = `${this.openDir}/${partitionPath(hourPartition(hourMs))}`;
      mkdirSync(dir, { recursive: true });
      const final = `${dir}/${stagedFileName(this.start)}`;
      const tmp = `${dir}/.${stagedFileName(this.start)}.tmp`;
      rmSync(tmp, { force: true }); // left by an attempt that died
      this.hours.set(hourMs, (h = { buf: '', rows: 0, tmp, final }));
    }
    const e = r.event;
    h.buf += `${e.eventTimeMs},${q(e.eventId)},${q(e.customerId)},${q(e.eventType)},${q(e.contentId)},${q(e.device)},${e.httpStatus},${r.statusCategory},${e.watchMs},${q(r.country)},${q(r.plan)},${r.unknownCustomer},${r.partition},${r.offset}\n`;
    h.rows++;
    if (h.buf.length >= FLUSH_CHARS) {
      appendFileSync(h.tmp, h.buf);
      h.buf = '';
    }
  }

  /** Write what is buffered and give every hour's file its final name. */
  finish(): StagedHour[] {
    const out: StagedHour[] = [];
    for (const [hourMs, h] of [...this.hours].sort((a, b) => a[0] - b[0])) {
      if (h.buf) appendFileSync(h.tmp, h.buf);
      h.buf = '';
      renameSync(h.tmp, h.final);
      out.push({ hourMs, path: h.final, rows: h.rows });
    }
    this.hours.clear();
    return out;
  }

  /** Remove the temporary files of a batch that will not finish. */
  abort(): void {
    for (const h of this.hours.values()) rmSync(h.tmp, { force: true });
    this.hours.clear();
  }
}
