-- Checkpoints of the stream processors' keyed state (lib/stream/state/): per stream (workflow id) and input
-- partition, snapshots of the whole state and one delta per micro-batch. A state at offset O is the latest
-- snapshot on the chain that ends at O plus the deltas after it (see adapters/checkpoints/postgres.ts).
CREATE TABLE IF NOT EXISTS stream_checkpoints (
  seq          bigserial    PRIMARY KEY,
  stream_id    text         NOT NULL,
  partition    integer      NOT NULL,
  kind         text         NOT NULL CHECK (kind IN ('snapshot', 'delta')),
  start_offset bigint       NOT NULL,
  end_offset   bigint       NOT NULL,
  payload      bytea        NOT NULL,
  written_at   timestamptz  NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS stream_checkpoints_chain_idx ON stream_checkpoints (stream_id, partition, end_offset, seq);
-- Large payloads are stored as they are: they are binary and already compact (no TOAST compression pass).
ALTER TABLE stream_checkpoints ALTER COLUMN payload SET STORAGE EXTERNAL;
