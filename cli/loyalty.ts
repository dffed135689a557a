/** `viewership loyalty run`, `customers show ID` and the loyalty Schedule (applied by `schedule apply`). */
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type ScheduleOptions,
} from '@temporalio/client';
import { createProfilesStore } from '../adapters/profiles/index.js';
import { createLoyaltyStore } from '../adapters/profiles/loyalty-postgres.js';
import type { LoyaltyRefreshResult } from '../activities/loyalty.js';
import type { AppConfig } from '../lib/config.js';
import { profilesStoreOptions, statePostgresOptions } from '../lib/adapter-options.js';
import { BadInputError } from '../lib/errors.js';
import { lookupCustomer, type CustomerView } from '../lib/loyalty/lookup.js';
import { connectTemporal, workflowUrl } from '../lib/temporal.js';
import { refreshLoyalty } from '../workflows/loyalty.js';

/** The loyalty Schedule: `refreshLoyalty` every LOYALTY_SCHEDULE_MINUTES (60), overlapping runs skipped. */
export function loyaltyScheduleDefinition(cfg: AppConfig): ScheduleOptions {
  return {
    scheduleId: cfg.loyalty.scheduleId,
    spec: { intervals: [{ every: `${cfg.loyalty.everyMinutes} minutes` }] },
    policies: { overlap: ScheduleOverlapPolicy.SKIP },
    action: {
      type: 'startWorkflow',
      workflowType: refreshLoyalty,
      taskQueue: cfg.temporal.taskQueues.batch,
      workflowId: cfg.loyalty.scheduleId,
      args: [{}],
    },
    memo: { description: 'Recomputes customer loyalty for the customers with new orders, profile changes or activity' },
  };
}

/** Create the loyalty Schedule, or update it in place. */
export async function applyLoyaltySchedule(
  cfg: AppConfig,
): Promise<{ id: string; action: 'created' | 'updated'; nextRuns: string[] }> {
  const client = await connectTemporal(cfg.temporal);
  try {
    const def = loyaltyScheduleDefinition(cfg);
    let action: 'created' | 'updated' = 'created';
    try {
      await client.schedule.create(def);
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
      action = 'updated';
      await client.schedule
        .getHandle(def.scheduleId)
        .update((prev) => ({ ...prev, spec: def.spec, action: def.action as never }));
    }
    const d = await client.schedule.getHandle(def.scheduleId).describe();
    return { id: def.scheduleId, action, nextRuns: d.info.nextActionTimes.slice(0, 3).map((t) => t.toISOString()) };
  } finally {
    await client.connection.close();
  }
}

/** Delete the loyalty Schedule (missing is fine). */
export async function deleteLoyaltySchedule(cfg: AppConfig): Promise<void> {
  const client = await connectTemporal(cfg.temporal);
  try {
    await client.schedule
      .getHandle(cfg.loyalty.scheduleId)
      .delete()
      .catch((err) => {
        if (!(err instanceof ScheduleNotFoundError)) throw err;
      });
  } finally {
    await client.connection.close();
  }
}

/** Start a loyalty refresh (`full`: every customer); with `wait`, until it ends. */
export async function loyaltyRun(
  cfg: AppConfig,
  o: { full: boolean; wait: boolean },
): Promise<LoyaltyRefreshResult | undefined> {
  const client = await connectTemporal(cfg.temporal);
  try {
    const workflowId = `${cfg.loyalty.scheduleId}-run-${Date.now()}`;
    const handle = await client.workflow.start(refreshLoyalty, {
      taskQueue: cfg.temporal.taskQueues.batch,
      workflowId,
      args: [{ full: o.full }],
    });
    console.error(`started ${workflowId}: ${workflowUrl(cfg.temporal, workflowId, handle.firstExecutionRunId)}`);
    if (!o.wait) return undefined;
    const r = await handle.result();
    console.error(
      `completed: ${r.customers} customers ${r.full ? '(full)' : 'changed since the last run'}, ${r.deleted} removed; tiers ${JSON.stringify(r.byTier)}`,
    );
    return r;
  } finally {
    await client.connection.close();
  }
}

/** One customer by id (the API's view); a malformed or unknown id is a `BadInputError`. */
export async function customersShow(cfg: AppConfig, id: string): Promise<CustomerView> {
  const pgOptions = statePostgresOptions(cfg, 'the loyalty table lives in that PostgreSQL database');
  const profiles = createProfilesStore(profilesStoreOptions(cfg));
  const loyalty = createLoyaltyStore(pgOptions, cfg.loyalty.table);
  try {
    const v = await lookupCustomer(profiles, loyalty, id);
    if (v === 'malformed')
      throw new BadInputError(`customer id must be 1-64 of A-Z a-z 0-9 _ - (got ${JSON.stringify(id.slice(0, 80))})`);
    if (!v) throw new BadInputError(`no customer ${id}`);
    return v;
  } finally {
    await Promise.allSettled([profiles.close(), loyalty.close()]);
  }
}
