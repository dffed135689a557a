/**
 * The chaos run's batch side: reference days generated and run one after the other until stopped, bad-file dates
 * run as they are dropped; every outcome kept by date. A good day that fails retryably (its retries used up
 * while a service was down) is run once more, as the Schedule's look-back would, and listed.
 */
import type { Client } from '@temporalio/client';
import { dropBadFile, type BadDrop, type BadFileKind } from './bad-files.js';
import { generateDay, type ReferenceDay } from './batch-reference.js';
import { runBatchDay, type BatchOutcome } from './batch-runs.js';

const DAY_MS = 86_400_000;

/** Batch days of one chaos run, on dates of a random far-future year (the batch workflow id is the date). */
export class BatchLoop {
  readonly days: ReferenceDay[] = [];
  readonly drops: BadDrop[] = [];
  readonly outcomes = new Map<string, BatchOutcome>();
  /** Days run again after a retryable failure, with the failure. */
  readonly rerun: string[] = [];
  private readonly pending: Promise<void>[] = [];
  private readonly base = Date.parse(`${2100 + Math.floor(Math.random() * 800)}-01-01T00:00:00Z`);
  private next = 0;
  private stopping = false;
  private loop?: Promise<void>;

  constructor(
    private readonly client: () => Client,
    private readonly o: { taskQueue: string; landingDir: string; rowsPerDay: number; seed: number },
    private readonly log: (m: string) => void,
  ) {}

  private date(): string {
    return new Date(this.base + this.next++ * DAY_MS).toISOString().slice(0, 10);
  }

  private track(date: string): Promise<void> {
    const p = runBatchDay(this.client, this.o.taskQueue, date).then(
      (r) => void this.outcomes.set(date, r),
      (err) => this.log(`batch ${date}: gave up waiting: ${(err as Error).message}`),
    );
    this.pending.push(p);
    return p;
  }

  /** Start running reference days one after the other. */
  start(): void {
    this.loop = (async () => {
      while (!this.stopping) {
        const day = generateDay(this.o.landingDir, this.date(), this.o.rowsPerDay, this.o.seed + this.next);
        this.days.push(day);
        await this.track(day.date);
        let r = this.outcomes.get(day.date);
        this.log(`batch ${day.date}: ${r?.state ?? 'unknown'} in ${((r?.tookMs ?? 0) / 1000).toFixed(1)} s`);
        if (r?.state === 'failed' && !r.nonRetryable) {
          this.rerun.push(`${day.date} (${r.type}: ${r.message.slice(0, 120)})`);
          this.log(`batch ${day.date}: failed retryably (${r.type}: ${r.message.slice(0, 200)}); running it again`);
          await this.track(day.date);
          r = this.outcomes.get(day.date);
          this.log(`batch ${day.date}: again: ${r?.state ?? 'unknown'} in ${((r?.tookMs ?? 0) / 1000).toFixed(1)} s`);
        }
      }
    })();
  }

  /** Drop a bad file of `kind` on a new date and start that date's run; returns what was dropped. */
  dropBad(kind: BadFileKind): BadDrop {
    const d = dropBadFile(this.o.landingDir, kind, this.date(), this.o.seed + this.next);
    this.drops.push(d);
    void this.track(d.date);
    return d;
  }

  /** Dates whose run completed (what the HTTP load asks the batch view for). */
  completedDays(): string[] {
    return this.days.filter((d) => this.outcomes.get(d.date)?.state === 'completed').map((d) => d.date);
  }

  /** Start no new day; wait for every run started so far. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop;
    await Promise.all(this.pending);
  }
}
