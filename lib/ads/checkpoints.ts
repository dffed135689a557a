/**
 * Checkpoints of the ad stream's partition state in PostgreSQL (`ad_checkpoints`, migration 006): append-only
 * gzip'd JSON deltas from a batch's start offsets to its end offsets (one pair per partition: impressions and
 * clicks topics), a snapshot every few batches. A restore walks back from the wanted offsets to a snapshot (or
 * to (0, 0), the empty state), taking at each step the record written last (a retry is written after the
 * attempt it replaces).
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import type pg from 'pg';
import { CheckpointError } from '../errors.js';
import { AdPartitionState, type AdDelta } from './state.js';

/** A partition's position: next offset of each topic. */
export interface AdOffsets {
  imp: number;
  clk: number;
}

/** One record to append. */
export interface AdCheckpointWrite {
  partition: number;
  kind: 'snapshot' | 'delta';
  start: AdOffsets;
  end: AdOffsets;
  delta: AdDelta;
}

interface Row {
  seq: string;
  kind: 'snapshot' | 'delta';
  imp_start: string;
  clk_start: string;
  imp_end: string;
  clk_end: string;
}

const key = (imp: number | string, clk: number | string) => `${imp}:${clk}`;

/** The store over a pool of the profiles database (migrated by the caller). */
export function createAdCheckpoints(pool: pg.Pool) {
  return {
    /** Append the batch's records of all partitions in one statement. */
    async write(streamId: string, records: AdCheckpointWrite[]): Promise<number> {
      if (records.length === 0) return 0;
      const payloads = records.map((r) => gzipSync(JSON.stringify(r.delta), { level: 1 }));
      const col = <T>(f: (r: AdCheckpointWrite, i: number) => T) => records.map(f);
      await pool.query(
        `INSERT INTO ad_checkpoints (stream_id, partition, kind, imp_start, clk_start, imp_end, clk_end, payload)
         SELECT $1, * FROM unnest($2::int[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[], $8::bytea[])`,
        [
          streamId,
          col((r) => r.partition),
          col((r) => r.kind),
          col((r) => r.start.imp),
          col((r) => r.start.clk),
          col((r) => r.end.imp),
          col((r) => r.end.clk),
          payloads,
        ],
      );
      return payloads.reduce((n, p) => n + p.length, 0);
    },

    /** The state of `partition` at `at` (empty at (0, 0)); throws a `CheckpointError` when no chain leads there. */
    async restore(streamId: string, partition: number, at: AdOffsets, joinWindowMs: number): Promise<AdPartitionState> {
      const state = new AdPartitionState(partition, joinWindowMs);
      if (at.imp === 0 && at.clk === 0) return state;
      const r = await pool.query<Row>(
        `SELECT seq, kind, imp_start, clk_start, imp_end, clk_end FROM ad_checkpoints
         WHERE stream_id = $1 AND partition = $2 AND imp_end <= $3 AND clk_end <= $4 ORDER BY seq DESC`,
        [streamId, partition, at.imp, at.clk],
      );
      const byEnd = new Map<string, Row>();
      for (const row of r.rows)
        if (!byEnd.has(key(row.imp_end, row.clk_end))) byEnd.set(key(row.imp_end, row.clk_end), row);
      const chain: Row[] = [];
      let cur = key(at.imp, at.clk);
      for (;;) {
        const row = byEnd.get(cur);
        if (!row) {
          if (cur === key(0, 0)) break;
          throw new CheckpointError(
            `no checkpoint of ad stream ${streamId} partition ${partition} leads to offsets ${cur} (impressions:clicks)`,
            { stream: streamId, partition, offset: cur },
          );
        }
        chain.push(row);
        if (row.kind === 'snapshot') break;
        cur = key(row.imp_start, row.clk_start);
      }
      chain.reverse();
      if (chain.length === 0) return state;
      const payloads = await pool.query<{ seq: string; payload: Buffer }>(
        'SELECT seq, payload FROM ad_checkpoints WHERE stream_id = $1 AND partition = $2 AND seq = ANY($3::bigint[])',
        [streamId, partition, chain.map((c) => c.seq)],
      );
      const bySeq = new Map(payloads.rows.map((p) => [p.seq, p.payload]));
      for (const c of chain) state.apply(JSON.parse(gunzipSync(bySeq.get(c.seq)!).toString('utf8')) as AdDelta);
      return state;
    },

    /** Offsets of the batch boundaries recorded for `partition`, newest first (for a rewind). */
    async boundaries(streamId: string, partition: number): Promise<AdOffsets[]> {
      const r = await pool.query<Row>(
        'SELECT DISTINCT imp_end, clk_end FROM ad_checkpoints WHERE stream_id = $1 AND partition = $2 ORDER BY imp_end DESC, clk_end DESC',
        [streamId, partition],
      );
      return r.rows.map((x) => ({ imp: Number(x.imp_end), clk: Number(x.clk_end) }));
    },

    /** Drop records older than `retentionMs` that precede the newest snapshot older than that. */
    async prune(streamId: string, partition: number, retentionMs: number): Promise<number> {
      const r = await pool.query(
        `DELETE FROM ad_checkpoints WHERE stream_id = $1 AND partition = $2 AND created_at < now() - make_interval(secs => $3::double precision / 1000)
           AND seq < (SELECT max(seq) FROM ad_checkpoints WHERE stream_id = $1 AND partition = $2 AND kind = 'snapshot' AND created_at < now() - make_interval(secs => $3::double precision / 1000))`,
        [streamId, partition, retentionMs],
      );
      return r.rowCount ?? 0;
    },
  };
}

/** The ad checkpoint store. */
export type AdCheckpoints = ReturnType<typeof createAdCheckpoints>;
