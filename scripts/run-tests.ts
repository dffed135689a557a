/**
 * `npm test`: everything a fresh machine needs, then the whole suite.
 * 1. installs the independent test clients (Debian kcat, docker-compose client, chromium) when missing;
 * 2. `services up` (installs and starts every real server; idempotent);
 * 3. runs vitest (unit + integration) and prints a plain `N passed, N failed` closing line;
 * 4. stops the services this run started (set VIEWERSHIP_KEEP_SERVICES=1 to keep them).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { contexts } from './services/cli.js';
import { down, ServiceStartError, up } from './services/manager.js';
import { selectServices } from './services/registry.js';
import { run } from './services/util.js';

const TOOLS: { bin: string; pkg: string }[] = [
  { bin: 'kcat', pkg: 'kcat' },
  { bin: 'docker-compose', pkg: 'docker-compose' },
  // Debian's Chromium for the dashboard and Temporal UI browser tests (playwright-core drives it; no browser download).
  { bin: 'chromium', pkg: 'chromium' },
];

async function onPath(bin: string): Promise<boolean> {
  return (await run('sh', ['-c', `command -v ${bin}`], { allowFail: true })).code === 0;
}

async function ensureTestTools(): Promise<void> {
  const missing = [];
  for (const t of TOOLS) if (!(await onPath(t.bin))) missing.push(t.pkg);
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    console.error(`[test] missing test tools ${missing.join(', ')} and not root: install them with apt-get`);
    return;
  }
  console.error(`[test] installing Debian packages ${missing.join(', ')}`);
  await run('apt-get', ['update', '-qq']);
  await run('apt-get', ['install', '-y', '-qq', ...missing], {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

function vitest(args: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn('vitest', ['run', ...args], { stdio: 'inherit' });
    child.on('close', (code) => resolve(code ?? 1));
  });
}

async function main(): Promise<number> {
  await ensureTestTools();
  const services = await selectServices([], process.env);
  const mk = contexts();
  const t0 = Date.now();
  const { started } = await up(services, mk);
  console.error(`[test] services ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  mkdirSync('test-artifacts', { recursive: true });
  const report = 'test-artifacts/vitest-report.json';
  let code = 1;
  try {
    code = await vitest([
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${report}`,
      ...process.argv.slice(2),
    ]);
  } finally {
    if (existsSync(report)) {
      const r = JSON.parse(readFileSync(report, 'utf8')) as {
        numPassedTests: number;
        numFailedTests: number;
        numPendingTests: number;
        numTodoTests: number;
      };
      // Plain closing line (CI reads it): counts of individual tests.
      console.log(
        `tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`,
      );
    }
    if (started.length && !process.env.VIEWERSHIP_KEEP_SERVICES) {
      console.error(`[test] stopping services started by this run: ${started.join(', ')}`);
      await down(
        services.filter((s) => started.includes(s.name)),
        mk,
      );
    }
  }
  return code;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof ServiceStartError ? `[test] services failed: ${err.message}` : err);
    process.exit(1);
  },
);
