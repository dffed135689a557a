-- The lake catalog: one row per registered Hive partition of a lake table. Readers (lake query, the printed
-- DDL, the batch recomputation) see only what is registered here; a registration replaces a table's
-- partitions in one transaction. Several lakes (LAKE_DIR roots) may share the database: each row names its root.
CREATE TABLE IF NOT EXISTS lake_partitions (
  lake_root        text        NOT NULL,  -- absolute LAKE_DIR the files live under
  table_name       text        NOT NULL,
  partition_path   text        NOT NULL,  -- 'date=YYYY-MM-DD/hour=HH', relative to the table's directory
  partition_values jsonb       NOT NULL,  -- {"date": "YYYY-MM-DD", "hour": "HH"}
  files            jsonb       NOT NULL,  -- [{"path": relative to the table, "rows": n, "bytes": n, "sha256": hex}]
  rows             bigint      NOT NULL,
  bytes            bigint      NOT NULL,
  fingerprint      text        NOT NULL,  -- sha256 over the files' paths and content hashes
  registered_at    timestamptz NOT NULL DEFAULT now(),
  producer         text        NOT NULL,  -- workflow id / run id that produced the files
  PRIMARY KEY (lake_root, table_name, partition_path)
);
