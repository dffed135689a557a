/**
 * The services are real: independent clients (Debian's kcat, psql, plain HTTP) see what the project's
 * provisioner set up, and `status --json` reports each one.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { serviceStatus, testConfig } from './helpers.js';

const cfg = testConfig();

describe('local services seen by independent clients', () => {
  it('status reports every selected service up', async () => {
    const status = await serviceStatus();
    expect(Object.keys(status)).toEqual(expect.arrayContaining(['postgres', 'temporal', 'kafka', 'opensearch']));
    for (const [name, s] of Object.entries(status)) expect({ name, up: s.up }).toEqual({ name, up: true });
  });

  it('kcat lists the project topics with their partition counts', () => {
    const out = execFileSync('kcat', ['-L', '-b', cfg.kafka.brokers[0]!, '-m', '10'], { encoding: 'utf8' });
    expect(out).toMatch(new RegExp(`topic "${cfg.kafka.topics.events}" with (\\d+) partitions`));
    expect(
      Number(new RegExp(`topic "${cfg.kafka.topics.events}" with (\\d+) partitions`).exec(out)![1]),
    ).toBeGreaterThanOrEqual(3);
    expect(out).toContain(`topic "${cfg.kafka.topics.aggregates}"`);
    expect(out).toContain(`topic "${cfg.kafka.topics.dlq}"`);
  });

  it('the search engine answers plain HTTP on 127.0.0.1:9200', async () => {
    const body = (await (await fetch('http://127.0.0.1:9200/')).json()) as {
      version: { number: string; distribution?: string };
    };
    expect(body.version.distribution).toBe('opensearch');
    expect(body.version.number).toMatch(/^2\.19\./);
  });

  it('the Temporal Web UI serves on :8233', async () => {
    const res = await fetch(cfg.temporal.uiUrl);
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/<html/i);
  });

  it('psql reaches the profiles table', () => {
    if (cfg.profiles.store !== 'postgres') throw new Error('expected postgres');
    const pgc = cfg.profiles.postgres;
    const out = execFileSync(
      'psql',
      [
        '-h',
        pgc.host,
        '-p',
        String(pgc.port),
        '-U',
        pgc.user,
        '-d',
        pgc.database,
        '-Atc',
        'SELECT count(*) >= 0 FROM customer_profiles',
      ],
      {
        encoding: 'utf8',
        env: { ...process.env, PGPASSWORD: pgc.password },
      },
    );
    expect(out.trim()).toBe('t');
  });
});
