/** `viewership doctor`: a real workflow → activity round trip per task queue, reporting each system. */
import type { AppConfig } from '../lib/config.js';
import { connectTemporal, workflowUrl } from '../lib/temporal.js';
import { systemHealth } from '../workflows/health.js';

/** Run `systemHealth` on every task queue and print the reports; exits non-zero when one fails. */
export async function doctor(cfg: AppConfig, opts: { json: boolean; timeoutMs: number }): Promise<void> {
  const client = await connectTemporal(cfg.temporal);
  const queues = Object.values(cfg.temporal.taskQueues);
  const results = await Promise.all(
    queues.map(async (taskQueue) => {
      const workflowId = `health-${taskQueue}-${Date.now()}`;
      try {
        const report = await client.workflow.execute(systemHealth, {
          taskQueue,
          workflowId,
          workflowExecutionTimeout: `${opts.timeoutMs} ms`,
        });
        return { taskQueue, ok: true as const, report, url: workflowUrl(cfg.temporal, workflowId) };
      } catch (err) {
        return {
          taskQueue,
          ok: false as const,
          error: (err as Error).cause ? String((err as Error).cause) : (err as Error).message,
          url: workflowUrl(cfg.temporal, workflowId),
        };
      }
    }),
  );
  await client.connection.close();
  if (opts.json) console.log(JSON.stringify(results, null, 2));
  else
    for (const r of results) {
      if (r.ok)
        console.log(
          `${r.taskQueue}: ok — kafka ${r.report.kafka.brokers} broker(s), topics ${JSON.stringify(r.report.kafka.topics)}; ` +
            `${r.report.search.engine} ${r.report.search.version}; ${r.report.profiles.store} with ${r.report.profiles.profiles} profiles  ${r.url}`,
        );
      else console.log(`${r.taskQueue}: FAILED — ${r.error} (is a worker running? viewership worker)  ${r.url}`);
    }
  if (results.some((r) => !r.ok)) process.exitCode = 1;
}
