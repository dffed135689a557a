/** docker-compose.yml stays valid: the Compose client (no engine needed) parses it, with secrets required. */
import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/** First Compose client found: the v2 plugin (`docker compose`) or Debian's v1 `docker-compose`. */
function composeCommand(): string[] | undefined {
  if (spawnSync('docker', ['compose', 'version']).status === 0) return ['docker', 'compose'];
  if (spawnSync('docker-compose', ['version']).status === 0) return ['docker-compose'];
  return undefined;
}

const compose = composeCommand();
if (!compose) console.warn('[docker-compose] no Compose client on this machine: `npm test` installs Debian docker-compose when root');

describe.runIf(compose)('docker-compose.yml', () => {
  const [cmd, ...pre] = compose!;
  const secrets = { PROFILES_PG_PASSWORD: 'x', ORACLE_PASSWORD: 'y' };

  it('parses and declares the infrastructure services', () => {
    const services = execFileSync(cmd!, [...pre, 'config', '--services'], { env: { ...process.env, ...secrets }, encoding: 'utf8' }).split('\n').filter(Boolean);
    expect(services).toEqual(expect.arrayContaining(['temporal', 'temporal-ui', 'kafka', 'elasticsearch', 'kibana', 'oracle', 'postgresql']));
  });

  it('refuses to render without the secrets, naming the missing one', () => {
    const env = { ...process.env };
    delete env.PROFILES_PG_PASSWORD;
    delete env.ORACLE_PASSWORD;
    const r = spawnSync(cmd!, [...pre, 'config', '-q'], { env, encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/PROFILES_PG_PASSWORD|ORACLE_PASSWORD/);
  });
});
