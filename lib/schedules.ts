/** The Temporal Schedules this project owns, as pure definitions (ids, specs, actions) built from config. */
import { ScheduleOverlapPolicy, type ScheduleOptions } from '@temporalio/client';
import type { AppConfig } from './config.js';
import { scheduledBatch } from '../workflows/batch.js';
import { refreshProfileCaches } from '../workflows/profile-cache.js';

/** The schedules this project owns, built from config (ids from SCHEDULE_ID_*, so tests use their own). */
export function scheduleDefinitions(cfg: AppConfig): ScheduleOptions[] {
  return [
    {
      scheduleId: cfg.temporal.schedules.batch,
      spec: { cronExpressions: [cfg.batch.scheduleCron], timezone: cfg.batch.scheduleTimezone },
      action: {
        type: 'startWorkflow',
        workflowType: scheduledBatch,
        taskQueue: cfg.temporal.taskQueues.batch,
        workflowId: `scheduled-${cfg.temporal.schedules.batch}`,
        args: [
          {
            timezone: cfg.batch.scheduleTimezone,
            rejectThreshold: cfg.batch.rejectThreshold,
            lookbackDays: cfg.batch.lookbackDays,
          },
        ],
      },
      memo: { description: 'Runs the batch DAG for the previous day and reprocesses recent days whose files changed' },
    },
    {
      scheduleId: cfg.temporal.schedules.profileCache,
      spec: { intervals: [{ every: '1 minute' }] },
      policies: { overlap: ScheduleOverlapPolicy.SKIP },
      action: {
        type: 'startWorkflow',
        workflowType: refreshProfileCaches,
        taskQueue: cfg.temporal.taskQueues.stream,
        workflowId: cfg.temporal.schedules.profileCache,
        args: [{ fullReloadEveryMs: cfg.stream.profileFullReloadMs }],
      },
      memo: { description: 'Refreshes the in-memory profile cache of every stream worker' },
    },
  ];
}
