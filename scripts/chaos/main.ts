/**
 * `npm run chaos -- [--minutes N] [--seed S] [--json] [--no-service-restarts]`: the chaos run (see
 * docs/operations.md#chaos-run). Prints the figures and exits non-zero when a check fails.
 */
import { formatReport } from './report.js';
import { runChaos } from './run.js';

const USAGE = `usage: npm run chaos -- [--minutes N] [--seed S] [--json] [--no-service-restarts]

  --minutes N             length of the run (default 10): ~80 % under faults, then drain and checks
  --seed S                seed of the fault schedule and the generated data (default: random, printed)
  --json                  print the report as JSON instead of text
  --no-service-restarts   only kill workers and drop bad files (no Kafka, search engine or Temporal restart)
example:  npm run chaos -- --minutes 3 --seed 42`;

/** Parse the options (`undefined` for --help). */
export function parseChaosArgs(argv: string[]) {
  if (argv.includes('--help') || argv.includes('-h')) return undefined;
  const value = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const minutes = Number(value('--minutes') ?? 10);
  const seed = Number(value('--seed') ?? Math.floor(Math.random() * 1_000_000));
  if (!(minutes >= 1 && minutes <= 240))
    throw new Error(`--minutes must be a number 1–240 (got ${value('--minutes')})`);
  if (!Number.isSafeInteger(seed)) throw new Error(`--seed must be an integer (got ${value('--seed')})`);
  return { minutes, seed, json: argv.includes('--json'), serviceRestarts: !argv.includes('--no-service-restarts') };
}

async function main(): Promise<number> {
  let o;
  try {
    o = parseChaosArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (!o) {
    console.log(USAGE);
    return 0;
  }
  // First Ctrl-C: end the fault phase and go on to drain, check and clean up; a second one exits at once.
  const abort = new AbortController();
  const onSignal = () => {
    if (abort.signal.aborted) process.exit(130);
    console.error('[chaos] interrupted: ending the fault phase, then drain, checks and cleanup (again to quit now)');
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const report = await runChaos({ ...o, signal: abort.signal });
  console.log(o.json ? JSON.stringify(report, null, 2) : formatReport(report));
  return report.checks.every((c) => c.ok) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`chaos run failed: ${(err as Error).stack ?? String(err)}`);
    process.exit(1);
  },
);
