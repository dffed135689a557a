/**
 * What the stream workflow's own record says when the chaos run finds it stuck (not drained, or an Update
 * refused): its pending workflow task (state, attempt) and the last workflow-task failures and timeouts in its
 * history, with their causes. Printed and kept in the report, so a failed run explains itself.
 */
import type { WorkflowHandle } from '@temporalio/client';

// Enum values of temporal.api.enums.v1 printed as numbers where no name is listed here (the proto package is not a
// direct dependency): the few that tell a stuck task apart.
const TASK_STATE: Record<number, string> = { 1: 'SCHEDULED', 2: 'STARTED' };
const TIMEOUT: Record<number, string> = { 1: 'START_TO_CLOSE', 2: 'SCHEDULE_TO_START' };
const FAILED_CAUSE: Record<number, string> = {
  1: 'UNHANDLED_COMMAND',
  14: 'WORKFLOW_WORKER_UNHANDLED_FAILURE',
  24: 'NON_DETERMINISTIC_ERROR',
};
const named = (names: Record<number, string>, v: number | null | undefined) => names[v ?? 0] ?? `#${v ?? 0}`;

/** One line per fact: the pending task, then up to `last` workflow-task failures or timeouts, newest last. */
export async function diagnoseStream(handle: WorkflowHandle, last = 5): Promise<string[]> {
  const lines: string[] = [];
  try {
    const d = await handle.describe();
    const p = d.raw.pendingWorkflowTask;
    lines.push(
      p
        ? `pending workflow task: ${named(TASK_STATE, p.state)}, attempt ${p.attempt ?? '?'}`
        : `no pending workflow task (status ${d.status.name}, history ${d.historyLength} events)`,
    );
  } catch (err) {
    lines.push(`describe failed: ${(err as Error).message.split('\n')[0]}`);
  }
  try {
    const events = (await handle.fetchHistory()).events ?? [];
    const failures = events.flatMap((e) => {
      const at = e.eventTime?.seconds ? new Date(Number(e.eventTime.seconds) * 1000).toISOString() : '?';
      if (e.workflowTaskFailedEventAttributes) {
        const a = e.workflowTaskFailedEventAttributes!;
        const why = a.failure?.message?.split('\n')[0] ?? '';
        return [`${at} workflow task failed (${named(FAILED_CAUSE, a.cause)}, ${a.identity}): ${why}`];
      }
      if (e.workflowTaskTimedOutEventAttributes) {
        const a = e.workflowTaskTimedOutEventAttributes!;
        return [`${at} workflow task timed out (${named(TIMEOUT, a.timeoutType)})`];
      }
      return [];
    });
    lines.push(`${events.length} history events, ${failures.length} workflow-task failures or timeouts`);
    lines.push(...failures.slice(-last));
  } catch (err) {
    lines.push(`history failed: ${(err as Error).message.split('\n')[0]}`);
  }
  return lines;
}
