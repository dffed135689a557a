-- Oracle equivalent of the PostgreSQL orders table (statements separated by lines holding only '/').
-- Untested here: no Oracle server runs on this machine (see README, "Orders").
CREATE TABLE orders (
  order_id     VARCHAR2(64)  PRIMARY KEY,
  customer_id  VARCHAR2(64)  NOT NULL,
  kind         VARCHAR2(16)  NOT NULL CHECK (kind IN ('subscription', 'rental', 'purchase')),
  content_id   VARCHAR2(64),
  amount       NUMBER(12,2)  NOT NULL CHECK (amount >= 0),
  currency     CHAR(3)       NOT NULL,
  status       VARCHAR2(16)  NOT NULL CHECK (status IN ('paid', 'refunded')),
  created_at   TIMESTAMP(3) WITH TIME ZONE NOT NULL,
  updated_at   TIMESTAMP(3) WITH TIME ZONE DEFAULT SYSTIMESTAMP NOT NULL
)
/
CREATE INDEX orders_updated_at_idx ON orders (updated_at, order_id)
/
CREATE INDEX orders_customer_idx ON orders (customer_id, created_at)
/
CREATE OR REPLACE TRIGGER orders_touch
BEFORE INSERT OR UPDATE ON orders
FOR EACH ROW
BEGIN
  IF UPDATING AND :NEW.created_at <> :OLD.created_at THEN
    RAISE_APPLICATION_ERROR(-20001, 'orders.created_at is immutable (order ' || :OLD.order_id || ')');
  END IF;
  :NEW.updated_at := SYSTIMESTAMP;
END;
/
