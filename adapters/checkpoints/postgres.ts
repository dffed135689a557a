/**
 * Checkpoint store of the stream processors' keyed state, in PostgreSQL (`stream_checkpoints`, migration 002).
 * Every micro-batch appends one delta record per partition it read; every few batches a snapshot too. Records
 * are never updated: a retried batch appends again, and the chain that leads to an offset is found by walking
 * back from it, taking at each offset the record written last (a retry is written after the attempt it
 * replaces). Old records are pruned past a retention time, keeping what rebuilds the oldest retained offset.
 */
import pg from 'pg';
import { migratePostgres, type PostgresProfilesOptions } from '../profiles/postgres.js';
import type { CheckpointStore, CheckpointWrite, ChainLink } from './types.js';
import { CheckpointMissingError } from './types.js';

interface Row {
  seq: string;
  kind: 'snapshot' | 'delta';
  start_offset: string;
  end_offset: string;
}

/** Build the PostgreSQL checkpoint store (own pool; the schema is migrated on first use). */
export function createPostgresCheckpointStore(opts: PostgresProfilesOptions): CheckpointStore {
  const pool = new pg.Pool({ ...opts, max: opts.maxConnections ?? 4, connectionTimeoutMillis: 5000 });
  let ready: Promise<unknown> | undefined;
  const init = () => (ready ??= migratePostgres(pool).catch((err) => ((ready = undefined), Promise.reject(err))));

  /** Rows of a partition ending at or before `offset`, latest first per end offset. */
  async function rows(
    streamId: string,
    partition: number,
    offset: number,
  ): Promise<Map<number, { latest: Row; latestDelta?: Row }>> {
    const r = await pool.query<Row>(
      `SELECT seq, kind, start_offset, end_offset FROM stream_checkpoints
       WHERE stream_id = $1 AND partition = $2 AND end_offset <= $3 ORDER BY end_offset DESC, seq DESC`,
      [streamId, partition, offset],
    );
    const byEnd = new Map<number, { latest: Row; latestDelta?: Row }>();
    for (const row of r.rows) {
      const end = Number(row.end_offset);
      const e = byEnd.get(end) ?? byEnd.set(end, { latest: row }).get(end)!;
      if (row.kind === 'delta' && !e.latestDelta) e.latestDelta = row;
    }
    return byEnd;
  }

  return {
    async write(streamId: string, records: CheckpointWrite[]): Promise<void> {
      if (records.length === 0) return;
      await init();
      const col = <T>(f: (r: CheckpointWrite) => T) => records.map(f);
      // One statement: the batch's records of every partition land together or not at all.
      await pool.query(
        `INSERT INTO stream_checkpoints (stream_id, partition, kind, start_offset, end_offset, payload)
         SELECT $1, * FROM unnest($2::int[], $3::text[], $4::bigint[], $5::bigint[], $6::bytea[])`,
        [
          streamId,
          col((r) => r.partition),
          col((r) => r.kind),
          col((r) => r.start),
          col((r) => r.end),
          col((r) => r.payload),
        ],
      );
    },

    async chain(streamId: string, partition: number, offset: number): Promise<ChainLink[]> {
      await init();
      const byEnd = await rows(streamId, partition, offset);
      const links: Row[] = [];
      let at = offset;
      for (;;) {
        const e = byEnd.get(at);
        if (!e) {
          if (at === 0) break; // the empty state, before the first message
          throw new CheckpointMissingError(streamId, partition, at, offset);
        }
        links.push(e.latest);
        if (e.latest.kind === 'snapshot') break;
        const start = Number(e.latest.start_offset);
        if (start >= at) throw new CheckpointMissingError(streamId, partition, at, offset);
        at = start;
      }
      if (links.length === 0) return [];
      const payloads = await pool.query<{ seq: string; payload: Buffer }>(
        'SELECT seq, payload FROM stream_checkpoints WHERE seq = ANY($1::bigint[])',
        [links.map((l) => l.seq)],
      );
      const bySeq = new Map(payloads.rows.map((p) => [p.seq, p.payload]));
      return links.reverse().map((l) => ({
        kind: l.kind,
        start: Number(l.start_offset),
        end: Number(l.end_offset),
        payload: bySeq.get(l.seq)!,
      }));
    },

    async nodes(streamId: string, partition: number, offset: number): Promise<number[]> {
      await init();
      const byEnd = await rows(streamId, partition, offset);
      const out: number[] = [];
      let at = offset;
      while (at > 0) {
        const d = byEnd.get(at)?.latestDelta;
        out.push(at);
        if (!d) break;
        at = Number(d.start_offset);
      }
      if (at === 0) out.push(0);
      return out;
    },

    async prune(streamId: string, partition: number, retentionMs: number): Promise<number> {
      await init();
      const r = await pool.query(
        `DELETE FROM stream_checkpoints WHERE stream_id = $1 AND partition = $2 AND end_offset < (
           SELECT max(end_offset) FROM stream_checkpoints WHERE stream_id = $1 AND partition = $2 AND kind = 'snapshot'
             AND written_at < now() - $3 * interval '1 millisecond')`,
        [streamId, partition, retentionMs],
      );
      return r.rowCount ?? 0;
    },

    async clear(streamId: string): Promise<number> {
      await init();
      const r = await pool.query('DELETE FROM stream_checkpoints WHERE stream_id = $1', [streamId]);
      return r.rowCount ?? 0;
    },

    async stats(streamId: string) {
      await init();
      const r = await pool.query(
        `SELECT kind, count(*)::int AS n, coalesce(sum(octet_length(payload)), 0)::bigint AS bytes FROM stream_checkpoints WHERE stream_id = $1 GROUP BY kind`,
        [streamId],
      );
      return Object.fromEntries(r.rows.map((x) => [x.kind, { records: x.n as number, bytes: Number(x.bytes) }]));
    },

    async close() {
      await pool.end();
    },
  };
}
