/**
 * The names one isolated ad-stream run uses (its own topics, stream workflow id and task queue) and the lake,
 * work and quarantine directories under `dir`: shared by the ad-stream tests and `npm run bench:ads`, which add
 * their own campaigns file and switches.
 */

/** Env overrides that keep an ad-stream run named `id` (files under `dir`) apart from every other run. */
export function adsIsolatedEnv(id: string, dir: string) {
  return {
    ADS_TOPIC_IMPRESSIONS: `${id}-imp`,
    ADS_TOPIC_CLICKS: `${id}-clk`,
    ADS_TOPIC_DLQ: `${id}-dlq`,
    ADS_TOPIC_METRICS: `${id}-metrics`,
    ADS_STREAM_WORKFLOW_ID: `${id}-stream`,
    TASK_QUEUE_STREAM: `${id}-queue`,
    QUARANTINE_DIR: `${dir}/quarantine`,
    LAKE_DIR: `${dir}/lake`,
    WORK_DIR: `${dir}/work`,
  };
}
