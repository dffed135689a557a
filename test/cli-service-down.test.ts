/**
 * A command run with a service down (an address where nothing listens) ends with one line naming the service,
 * the address and the fix, exit code 1 — no client log flood, no stack trace (`--verbose` shows the details).
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

function run(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn('node', ['bin/viewership.mjs', ...args], {
      env: { ...process.env, ...env, VIEWERSHIP_CLIENT_LOG: '/dev/null' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.on('data', (d) => (stdout += d));
    child.on('close', (code) => resolve({ code, stderr, stdout }));
  });
}

const CASES: [string, string[], Record<string, string>, RegExp][] = [
  [
    'Kafka',
    ['generate', 'events', '--rate', '10', '--duration', '1'],
    { KAFKA_BROKERS: '127.0.0.1:9' },
    /^viewership: Kafka is not reachable at 127\.0\.0\.1:9: .*KAFKA_BROKERS/,
  ],
  [
    'Temporal',
    ['stream', 'status'],
    { TEMPORAL_ADDRESS: '127.0.0.1:9' },
    /^viewership: Temporal is not reachable at 127\.0\.0\.1:9/,
  ],
  [
    'the search engine',
    ['stream', 'totals', '--from', '2026-01-01T00:00:00Z', '--to', '2026-01-02T00:00:00Z'],
    { SEARCH_URL: 'http://127.0.0.1:9' },
    /^viewership: \w+ is not reachable at http:\/\/127\.0\.0\.1:9: .*SEARCH_URL/,
  ],
  [
    'PostgreSQL',
    ['generate', 'profiles', '--count', '1'],
    { PROFILES_PG_PORT: '9' },
    /^viewership: PostgreSQL is not reachable at 127\.0\.0\.1:9: .*PROFILES_PG_PORT/,
  ],
];

describe('commands with a service down', () => {
  it.each(CASES)(
    '%s down: one line naming it, its address and the fix; exit 1',
    { timeout: 60_000 },
    async (_name, args, env, line) => {
      const r = await run(args, env);
      expect(r.code).toBe(1);
      const lines = r.stderr.split('\n').filter((l) => l.trim() && !l.startsWith('['));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(line);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    },
  );
});
