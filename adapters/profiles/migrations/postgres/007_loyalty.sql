-- Customer loyalty (issue 12): one row per customer with a profile, recomputed by the loyalty refresh
-- (workflows/loyalty.ts) for the customers whose orders, profile or activity changed since its last run.
-- Money is exact (NUMERIC). `activity_30d` holds the daily watch time and visits of the 30 days up to the run,
-- so a look-up by key is one primary-key read. The formula and the segment rules are in common/loyalty.ts.
CREATE TABLE IF NOT EXISTS customer_loyalty (
  customer_id        varchar(64)   PRIMARY KEY,
  name               text          NOT NULL,
  email              text,
  country            char(2)       NOT NULL,
  plan               varchar(32)   NOT NULL,
  signup_date        date,
  orders_90d         integer       NOT NULL,  -- paid orders placed in the 90 days up to the run
  paid_90d           numeric(14,2) NOT NULL,
  orders_lifetime    integer       NOT NULL,  -- paid orders ever
  paid_lifetime      numeric(14,2) NOT NULL,
  refunded_lifetime  numeric(14,2) NOT NULL,
  last_order_at      timestamptz,              -- last paid order
  watch_ms_90d       bigint        NOT NULL,
  visits_90d         integer       NOT NULL,
  activity_30d       jsonb         NOT NULL DEFAULT '[]',  -- [{"date", "watchMs", "visits"}], days with activity
  points             bigint        NOT NULL,
  tier               varchar(16)   NOT NULL CHECK (tier IN ('bronze', 'silver', 'gold')),
  recency_score      smallint      NOT NULL,
  frequency_score    smallint      NOT NULL,
  monetary_score     smallint      NOT NULL,
  segment            varchar(32)   NOT NULL,
  promotions         jsonb         NOT NULL DEFAULT '[]',  -- [{"ruleId", "offer"}] by rule priority
  computed_at        timestamptz   NOT NULL DEFAULT now()
);

-- Which offers a customer is eligible for: a rule matches a tier and/or a segment (NULL matches any);
-- operators edit this table, the next refresh applies it.
CREATE TABLE IF NOT EXISTS loyalty_promotion_rules (
  rule_id   varchar(64) PRIMARY KEY,
  tier      varchar(16),
  segment   varchar(32),
  offer     text        NOT NULL,
  priority  integer     NOT NULL DEFAULT 100,
  active    boolean     NOT NULL DEFAULT true
);
INSERT INTO loyalty_promotion_rules (rule_id, tier, segment, offer, priority) VALUES
  ('gold-4k-upgrade', 'gold', NULL, 'A month of 4K at no extra cost', 10),
  ('champion-early-access', NULL, 'champion', 'Early access to new releases', 20),
  ('at-risk-winback', NULL, 'at_risk', '50 % off the next month', 30),
  ('hibernating-return', NULL, 'hibernating', 'Three months at half price', 40),
  ('new-welcome', NULL, 'new', 'First rental free', 50),
  ('silver-rental', 'silver', NULL, 'Two rentals for the price of one', 60)
ON CONFLICT (rule_id) DO NOTHING;

-- Where each loyalty table's refresh is: the high-water marks of the orders and the profiles it has read and
-- when it last ran (lake partitions registered after that bring customers with new activity).
CREATE TABLE IF NOT EXISTS loyalty_state (
  loyalty_table     text           PRIMARY KEY,
  orders_hwm_at     timestamptz(3),
  orders_hwm_key    text,
  profiles_hwm_at   timestamptz(3),
  profiles_hwm_key  text,
  last_run_at       timestamptz,
  producer          text
);
