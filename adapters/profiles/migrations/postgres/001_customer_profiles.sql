-- Customer profiles dimension, SCD type 1 (overwrite in place). updated_at drives incremental cache refreshes;
-- millisecond precision so a watermark round-trips exactly through a JavaScript Date.
CREATE TABLE IF NOT EXISTS customer_profiles (
  customer_id  varchar(64)  PRIMARY KEY,
  name         text         NOT NULL,
  email        text,
  country      char(2)      NOT NULL,
  plan         varchar(32)  NOT NULL,
  signup_date  date,
  updated_at   timestamptz(3) NOT NULL DEFAULT clock_timestamp()
);

CREATE INDEX IF NOT EXISTS customer_profiles_updated_at_idx ON customer_profiles (updated_at, customer_id);

-- Every insert or update stamps updated_at, whoever writes the row (the app, psql, an ETL).
CREATE OR REPLACE FUNCTION customer_profiles_touch() RETURNS trigger AS $$
BEGIN
  NEW.updated_at := clock_timestamp();
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS customer_profiles_touch ON customer_profiles;
CREATE TRIGGER customer_profiles_touch BEFORE INSERT OR UPDATE ON customer_profiles
  FOR EACH ROW EXECUTE FUNCTION customer_profiles_touch();
