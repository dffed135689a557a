-- Checkpoints of the ad-analytics stream's keyed state (impressions held for the join, clicks waiting for
-- theirs, open metric cells). A partition's state is at a pair of offsets (impressions topic, clicks topic);
-- each micro-batch appends a delta from its start pair to its end pair, and every few batches a snapshot.
CREATE TABLE IF NOT EXISTS ad_checkpoints (
  stream_id   text        NOT NULL,
  partition   integer     NOT NULL,
  seq         bigserial   NOT NULL,
  kind        text        NOT NULL CHECK (kind IN ('snapshot', 'delta')),
  imp_start   bigint      NOT NULL,
  clk_start   bigint      NOT NULL,
  imp_end     bigint      NOT NULL,
  clk_end     bigint      NOT NULL,
  payload     bytea       NOT NULL,  -- gzip of the JSON state delta (lib/ads/state.ts AdDelta)
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (stream_id, partition, seq)
);
CREATE INDEX IF NOT EXISTS ad_checkpoints_end ON ad_checkpoints (stream_id, partition, imp_end, clk_end);

-- Rejected-message counters are written per batch, keyed by the batch's start offsets and watermark (a batch
-- that reads nothing may still turn waiting clicks into orphans), so a retried or rewound batch replaces its own
-- rows and never adds to another's.
ALTER TABLE ad_stream_counters ADD COLUMN IF NOT EXISTS imp_start bigint NOT NULL DEFAULT 0;
ALTER TABLE ad_stream_counters ADD COLUMN IF NOT EXISTS clk_start bigint NOT NULL DEFAULT 0;
ALTER TABLE ad_stream_counters ADD COLUMN IF NOT EXISTS watermark_ms bigint NOT NULL DEFAULT 0;
ALTER TABLE ad_stream_counters DROP CONSTRAINT IF EXISTS ad_stream_counters_pkey;
ALTER TABLE ad_stream_counters ADD PRIMARY KEY (stream_id, partition, imp_start, clk_start, watermark_ms, minute);
