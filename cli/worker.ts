/** `viewership worker`: run the workers of the chosen task queues until SIGINT/SIGTERM. */
import type { AppConfig } from '../lib/config.js';
import { ConfigError } from '../lib/errors.js';
import { QUEUE_ROLES, runWorkers, type QueueRole } from '../workers/run.js';

/** Validate the roles, run the workers, and report a clean shutdown. */
export async function runWorkerCommand(cfg: AppConfig, queues: string[]): Promise<void> {
  const roles = queues.flatMap((q) => q.split(',')).map((q) => q.trim());
  const bad = roles.filter((r) => !(QUEUE_ROLES as readonly string[]).includes(r));
  if (bad.length || roles.length === 0)
    throw new ConfigError(
      `--queue must be one or more of ${QUEUE_ROLES.join(', ')} (got: ${bad.join(', ') || 'nothing'})`,
    );
  await runWorkers(cfg, {
    roles: roles as QueueRole[],
    onReady: (names) =>
      console.error(`[worker] polling task queues ${names.join(', ')} on ${cfg.temporal.address} (Ctrl-C to stop)`),
  });
  console.error('[worker] shut down cleanly');
  // Every client is closed by now, but a kafkajs broker socket sometimes outlives its disconnect (seen in about
  // half of the runs of test/stream-faults.test.ts); a stopped worker must not linger because of it.
  setTimeout(() => process.exit(0), 1000).unref();
}
