/** `viewership schedule apply|list`: the Temporal Schedules the pipeline runs on. */
import { ScheduleAlreadyRunning, ScheduleNotFoundError } from '@temporalio/client';
import type { AppConfig } from '../lib/config.js';
import { scheduleDefinitions } from '../lib/schedules.js';
import { connectTemporal } from '../lib/temporal.js';

/** Create each schedule, or update it in place when it exists. Returns what was done per id. */
export async function applySchedules(
  cfg: AppConfig,
): Promise<{ id: string; action: 'created' | 'updated'; nextRuns: string[] }[]> {
  const client = await connectTemporal(cfg.temporal);
  try {
    const out = [];
    for (const def of scheduleDefinitions(cfg)) {
      let action: 'created' | 'updated' = 'created';
      try {
        await client.schedule.create(def);
      } catch (err) {
        if (!(err instanceof ScheduleAlreadyRunning)) throw err;
        action = 'updated';
        await client.schedule
          .getHandle(def.scheduleId)
          .update((prev) => ({ ...prev, spec: def.spec, action: def.action as any }));
      }
      const d = await client.schedule.getHandle(def.scheduleId).describe();
      out.push({
        id: def.scheduleId,
        action,
        nextRuns: d.info.nextActionTimes.slice(0, 3).map((t) => t.toISOString()),
      });
    }
    return out;
  } finally {
    await client.connection.close();
  }
}

/** Describe the project's schedules (missing ones reported as such). */
export async function listSchedules(
  cfg: AppConfig,
): Promise<{ id: string; exists: boolean; paused?: boolean; nextRuns?: string[]; recentRuns?: string[] }[]> {
  const client = await connectTemporal(cfg.temporal);
  try {
    return await Promise.all(
      scheduleDefinitions(cfg).map(async (def) => {
        try {
          const d = await client.schedule.getHandle(def.scheduleId).describe();
          return {
            id: def.scheduleId,
            exists: true,
            paused: d.state.paused,
            nextRuns: d.info.nextActionTimes.slice(0, 3).map((t) => t.toISOString()),
            recentRuns: d.info.recentActions.slice(-3).map((a) => a.action.workflow.workflowId),
          };
        } catch (err) {
          if (err instanceof ScheduleNotFoundError) return { id: def.scheduleId, exists: false };
          throw err;
        }
      }),
    );
  } finally {
    await client.connection.close();
  }
}

/** Delete the project's schedules (missing ones are fine); tests remove the ones they applied under their own ids. */
export async function deleteSchedules(cfg: AppConfig): Promise<void> {
  const client = await connectTemporal(cfg.temporal);
  try {
    for (const def of scheduleDefinitions(cfg)) {
      await client.schedule
        .getHandle(def.scheduleId)
        .delete()
        .catch((err) => {
          if (!(err instanceof ScheduleNotFoundError)) throw err;
        });
    }
  } finally {
    await client.connection.close();
  }
}
