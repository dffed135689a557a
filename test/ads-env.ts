/** The isolated names and directories of one ad-stream test file (topics, workflow id, task queue, lake, work). */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { uniqueName } from './helpers.js';

/** Env overrides for an ad-stream test named `name`, and the temporary directory holding its files. */
export function adsTestEnv(name: string) {
  const id = uniqueName(name).replace(/[^a-z0-9-]/g, '');
  const dir = mkdtempSync(`${tmpdir()}/${name}-`);
  return {
    dir,
    env: {
      ADS_TOPIC_IMPRESSIONS: `${id}-imp`,
      ADS_TOPIC_CLICKS: `${id}-clk`,
      ADS_TOPIC_DLQ: `${id}-dlq`,
      ADS_TOPIC_METRICS: `${id}-metrics`,
      ADS_STREAM_WORKFLOW_ID: `${id}-stream`,
      TASK_QUEUE_STREAM: `${id}-queue`,
      ADS_CAMPAIGNS_PATH: `${dir}/campaigns.csv`,
      QUARANTINE_DIR: `${dir}/quarantine`,
      LAKE_DIR: `${dir}/lake`,
      WORK_DIR: `${dir}/work`,
      KAFKA_TOPIC_EVENTS: `${id}-events`,
    },
  };
}
