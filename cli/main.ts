/** The `viewership` command line: workers, health checks and configuration (more commands per layer). */
import { Command, CommanderError } from 'commander';
import { describeConfig, loadConfig } from '../lib/config.js';
import { PipelineError } from '../lib/errors.js';
import { doctor } from './doctor.js';
import { runWorkerCommand } from './worker.js';

const program = new Command('viewership')
  .description('Lambda-architecture viewership analytics orchestrated by Temporal')
  .showHelpAfterError()
  .exitOverride();

program
  .command('worker')
  .description('Run Temporal workers until SIGINT/SIGTERM (all task queues by default)')
  .option('--queue <role...>', 'task queue role(s) to serve: batch, stream', ['batch', 'stream'])
  .addHelpText('after', '\nExample:\n  viewership worker --queue stream')
  .action((opts: { queue: string[] }) => runWorkerCommand(loadConfig(), opts.queue));

program
  .command('doctor')
  .description('Run the systemHealth workflow on every task queue: proves workers, Kafka, search and profiles answer')
  .option('--json', 'print JSON')
  .option('--timeout-ms <ms>', 'give up waiting for a worker after this long', '30000')
  .addHelpText('after', '\nExample:\n  viewership doctor --json')
  .action((opts: { json?: boolean; timeoutMs: string }) => doctor(loadConfig(), { json: !!opts.json, timeoutMs: Number(opts.timeoutMs) }));

program
  .command('config')
  .description('List every configuration variable with its description and default')
  .option('--json', 'print JSON')
  .addHelpText('after', '\nExample:\n  viewership config')
  .action((opts: { json?: boolean }) => {
    const rows = describeConfig();
    if (opts.json) console.log(JSON.stringify(rows, null, 2));
    else for (const r of rows) console.log(`${r.name.padEnd(24)} ${r.description}${r.default !== undefined ? ` [default: ${String(r.default)}]` : ''}`);
  });

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  if (err instanceof PipelineError) {
    console.error(`viewership: ${err.message}`);
    process.exit(err.type === 'ConfigError' ? 2 : 1);
  }
  console.error(err);
  process.exit(1);
}
