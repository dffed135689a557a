-- Oracle equivalent of the PostgreSQL profiles schema (statements separated by lines holding only '/').
CREATE TABLE customer_profiles (
  customer_id  VARCHAR2(64)  PRIMARY KEY,
  name         VARCHAR2(400) NOT NULL,
  email        VARCHAR2(400),
  country      CHAR(2)       NOT NULL,
  plan         VARCHAR2(32)  NOT NULL,
  signup_date  DATE,
  updated_at   TIMESTAMP(3) WITH TIME ZONE DEFAULT SYSTIMESTAMP NOT NULL
)
/
CREATE INDEX customer_profiles_updated_at_idx ON customer_profiles (updated_at, customer_id)
/
CREATE OR REPLACE TRIGGER customer_profiles_touch
BEFORE INSERT OR UPDATE ON customer_profiles
FOR EACH ROW
BEGIN
  :NEW.updated_at := SYSTIMESTAMP;
END;
/
