/**
 * Accepted rows on their way to the day aggregates: the validator's fast path records each row's field bounds in
 * its input buffer here, and the batch is counted (`DayAggregator.addBatch`) when full or before the buffer's bytes
 * move. Counting 4,096 rows at once lets the aggregator load their customers' table slots in one pass first, so
 * the cache misses of different rows overlap.
 */
import { BATCH_FIELDS, type DayAggregator } from './day-aggregator.js';

/** Rows counted at once. */
const ROWS = 4096;

/** A batch of accepted rows of one input buffer (see the module comment). */
export class RowBatch {
  private readonly rows = new Int32Array(ROWS * BATCH_FIELDS);
  private readonly bytes = new Float64Array(ROWS);
  private n = 0;
  private buf: Buffer | undefined;

  constructor(private readonly agg: DayAggregator) {}

  /**
   * Add a row of `buf`: customer id `[cs, ce)` (empty: none), path `[ps, pe)`, client address `[is, ie)`, hour,
   * device class index, HTTP status and bytes sent.
   */
  add(
    buf: Buffer,
    cs: number,
    ce: number,
    ps: number,
    pe: number,
    is: number,
    ie: number,
    hour: number,
    device: number,
    status: number,
    sent: number,
  ): void {
    if (this.n === ROWS || (this.buf !== buf && this.n > 0)) this.flush();
    this.buf = buf;
    const o = this.n * BATCH_FIELDS;
    const rows = this.rows;
    rows[o] = cs;
    rows[o + 1] = ce;
    rows[o + 2] = ps;
    rows[o + 3] = pe;
    rows[o + 4] = is;
    rows[o + 5] = ie;
    rows[o + 6] = hour | (device << 5) | (status << 8);
    this.bytes[this.n++] = sent;
  }

  /** Count the rows held; called before the input buffer's bytes move or change. */
  flush(): void {
    if (this.n === 0) return;
    this.agg.addBatch(this.buf!, this.rows, this.bytes, this.n);
    this.n = 0;
  }
}
