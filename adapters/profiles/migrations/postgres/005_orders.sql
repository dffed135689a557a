-- Orders of the transactional database (issue 12), the source of the incremental import into the lake's
-- `orders` table. Amounts are exact decimals. updated_at is stamped by the database on every insert and update
-- (whoever writes the row): with order_id it is the import's high-water mark, hence the (updated_at, order_id)
-- index. created_at is immutable: it names the lake partition (UTC date) an order lives in.
CREATE TABLE IF NOT EXISTS orders (
  order_id     varchar(64)    PRIMARY KEY,
  customer_id  varchar(64)    NOT NULL,
  kind         varchar(16)    NOT NULL CHECK (kind IN ('subscription', 'rental', 'purchase')),
  content_id   varchar(64),
  amount       numeric(12,2)  NOT NULL CHECK (amount >= 0),
  currency     char(3)        NOT NULL,
  status       varchar(16)    NOT NULL CHECK (status IN ('paid', 'refunded')),
  created_at   timestamptz(3) NOT NULL,
  updated_at   timestamptz(3) NOT NULL DEFAULT clock_timestamp()
);

CREATE INDEX IF NOT EXISTS orders_updated_at_idx ON orders (updated_at, order_id);
CREATE INDEX IF NOT EXISTS orders_customer_idx ON orders (customer_id, created_at);

CREATE OR REPLACE FUNCTION orders_touch() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.created_at IS DISTINCT FROM OLD.created_at THEN
    RAISE EXCEPTION 'orders.created_at is immutable (order %)', OLD.order_id;
  END IF;
  NEW.updated_at := clock_timestamp();
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS orders_touch ON orders;
CREATE TRIGGER orders_touch BEFORE INSERT OR UPDATE ON orders
  FOR EACH ROW EXECUTE FUNCTION orders_touch();

-- Durable state of the lake's incremental imports, per lake (LAKE_DIR root) and source table: the high-water
-- mark (updated_at, key) of the last committed import, and the dates whose partitions that import rewrote but
-- whose aggregates are not yet indexed (a run that fails after the import leaves them here for the next run).
CREATE TABLE IF NOT EXISTS lake_import_state (
  lake_root       text           NOT NULL,
  source          text           NOT NULL,
  hwm_updated_at  timestamptz(3),
  hwm_key         text,
  pending_dates   text[]         NOT NULL DEFAULT '{}',
  rows_imported   bigint         NOT NULL DEFAULT 0,
  updated_at      timestamptz    NOT NULL DEFAULT now(),
  producer        text,
  PRIMARY KEY (lake_root, source)
);
