-- The ad-analytics stream's sinks. Each stream partition upserts the absolute values its keyed state holds
-- (a retried micro-batch or a rewind writes the same values again: idempotent); readers use the views, which
-- sum the partitions into one row per minute and dimension set. Money is kept in integer micro-units.
CREATE TABLE IF NOT EXISTS ad_metrics_minute_partition (
  stream_id                    text        NOT NULL,
  partition                    integer     NOT NULL,
  minute                       timestamptz NOT NULL,  -- impression event time, truncated to the minute (UTC)
  campaign_id                  text        NOT NULL,
  network_id                   text        NOT NULL,  -- 'unknown' when the campaign is not in the campaigns file
  ad_category                  text        NOT NULL,
  device                       text        NOT NULL,
  location                     text        NOT NULL,
  impressions                  bigint      NOT NULL,
  clicks                       bigint      NOT NULL,
  impression_cost_micros       bigint      NOT NULL,
  click_cost_micros            bigint      NOT NULL,
  view_ms                      bigint      NOT NULL,  -- sum of view_ms
  unknown_campaign_impressions bigint      NOT NULL,
  updated_at                   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (stream_id, minute, campaign_id, network_id, ad_category, device, location, partition)
);

CREATE OR REPLACE VIEW ad_metrics_minute AS
SELECT stream_id, minute, campaign_id, network_id, ad_category, device, location,
       sum(impressions)::bigint AS impressions,
       sum(clicks)::bigint AS clicks,
       round(sum(impression_cost_micros) / 1e6, 6) AS impression_cost,
       round(sum(click_cost_micros) / 1e6, 6) AS click_cost,
       round((sum(impression_cost_micros) + sum(click_cost_micros)) / 1e6, 6) AS cost,
       round(sum(clicks)::numeric / nullif(sum(impressions), 0), 6) AS ctr,
       round(sum(click_cost_micros) / 1e6 / nullif(sum(clicks), 0), 6) AS cpc,
       round(sum(impression_cost_micros) / 1e6 / nullif(sum(impressions), 0), 6) AS cpi,
       round(sum(view_ms)::numeric / nullif(sum(impressions), 0), 6) AS avg_view_ms,
       sum(unknown_campaign_impressions)::bigint AS unknown_campaign_impressions,
       sum(impression_cost_micros)::bigint AS impression_cost_micros,
       sum(click_cost_micros)::bigint AS click_cost_micros,
       max(updated_at) AS updated_at
FROM ad_metrics_minute_partition
GROUP BY stream_id, minute, campaign_id, network_id, ad_category, device, location;

-- One row per matched click with its impression's fields (a click is matched once: its id is the key).
CREATE TABLE IF NOT EXISTS ad_clicks_joined (
  stream_id              text        NOT NULL,
  click_id               text        NOT NULL,
  impression_id          text        NOT NULL,
  click_time             timestamptz NOT NULL,
  impression_time        timestamptz NOT NULL,
  minute                 timestamptz NOT NULL,  -- the impression's minute (clicks are attributed to it)
  campaign_id            text        NOT NULL,
  network_id             text        NOT NULL,
  ad_id                  text        NOT NULL,
  ad_category            text        NOT NULL,
  device                 text        NOT NULL,
  location               text        NOT NULL,
  user_id                text        NOT NULL,
  click_position         text        NOT NULL,
  click_cost_micros      bigint      NOT NULL,
  impression_cost_micros bigint      NOT NULL,
  kafka_partition        integer     NOT NULL,
  PRIMARY KEY (stream_id, click_id)
);
CREATE INDEX IF NOT EXISTS ad_clicks_joined_minute ON ad_clicks_joined (stream_id, minute);

-- What was not counted, per partition and minute (event time, or Kafka time when a message has none).
CREATE TABLE IF NOT EXISTS ad_stream_counters (
  stream_id     text        NOT NULL,
  partition     integer     NOT NULL,
  minute        timestamptz NOT NULL,
  orphan_clicks bigint      NOT NULL,
  duplicates    bigint      NOT NULL,
  late          bigint      NOT NULL,
  dead_lettered bigint      NOT NULL,
  PRIMARY KEY (stream_id, minute, partition)
);
