import { setTimeout as sleep } from 'node:timers/promises';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { CampaignDirectory, networkOf, type CampaignSnapshot } from './campaigns.js';

const HEADER = 'campaign_id,campaign_name,network_id,advertiser';
let dir: string;
let file: string;
let quarantine: string;
const rejectsPath = () => `${quarantine}/campaigns/campaigns.csv.rejects.csv`;
/** Write the file with an explicit, increasing mtime so a rewrite within the clock's granularity is still seen. */
let tick = 1_900_000_000;
const write = (text: string) => {
  writeFileSync(file, text);
  utimesSync(file, tick, tick++);
};

beforeEach(() => {
  dir = mkdtempSync(`${tmpdir()}/campaigns-test-`);
  file = `${dir}/campaigns.csv`;
  quarantine = `${dir}/quarantine`;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('CampaignDirectory', () => {
  it('loads a good file: get, status, snapshot', () => {
    write(`${HEADER}\n110,Spring Sale,N1,Acme\n111,"Back, to School",N2,"Globex ""Ltd"""\n\n`);
    const d = new CampaignDirectory(file, { quarantineDir: quarantine });
    expect(d.get('110')).toEqual({ campaignId: '110', name: 'Spring Sale', networkId: 'N1', advertiser: 'Acme' });
    expect(d.get('111')?.advertiser).toBe('Globex "Ltd"');
    expect(d.get('999')).toBeUndefined();
    const s = d.status();
    expect(s).toMatchObject({ path: file, campaigns: 2, rejected: 0 });
    expect(s.problem).toBeUndefined();
    expect(Date.parse(s.loadedAt!)).toBeGreaterThan(0);
    const snap = structuredClone(d.snapshot());
    expect(snap.version).toBe(1);
    expect(snap.byId.get('111')).toEqual({ networkId: 'N2', name: 'Back, to School' });
    expect(networkOf(snap, '110')).toBe('N1');
    expect(networkOf(snap, 'nope')).toBe('unknown');
    expect(existsSync(rejectsPath())).toBe(false);
  });

  it('quarantines bad rows with line number and reason, keeping the good ones', () => {
    const long = 'x'.repeat(129);
    write(
      [
        HEADER,
        '1,A,N1,Adv',
        ',NoId,N1,Adv',
        `${long},Long,N1,Adv`,
        '2,B,,Adv',
        '3,C,N1',
        '1,Again,N2,Adv',
        '4,"broken,N1,Adv',
        `5,${'y'.repeat(300)},N1,Adv`,
        '6,F,N3,Adv',
      ].join('\n'),
    );
    const d = new CampaignDirectory(file, { quarantineDir: quarantine });
    expect(d.all().map((c) => c.campaignId)).toEqual(['1', '6']);
    expect(d.status()).toMatchObject({ campaigns: 2, rejected: 7 });
    expect(d.status().problem).toBeUndefined();
    expect(d.get('1')?.name).toBe('A');
    const rows = parse(readFileSync(rejectsPath(), 'utf8'), { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => [r.line, r.reason])).toEqual([
      ['3', 'bad_campaign_id'],
      ['4', 'bad_campaign_id'],
      ['5', 'bad_network_id'],
      ['6', 'wrong_column_count'],
      ['7', 'duplicate_campaign_id'],
      ['8', 'bad_csv'],
      ['9', 'field_too_long'],
    ]);
    expect(rows[0]).toMatchObject({ file: 'campaigns.csv', raw: ',NoId,N1,Adv' });
    // A fixed file removes the stale rejects file.
    write(`${HEADER}\n1,A,N1,Adv\n`);
    expect(d.reloadIfChanged()).toBe(true);
    expect(existsSync(rejectsPath())).toBe(false);
  });

  it('reloads only when the content changed and notifies with a snapshot', () => {
    write(`${HEADER}\n1,A,N1,Adv\n`);
    const seen: CampaignSnapshot[] = [];
    const d = new CampaignDirectory(file, { quarantineDir: quarantine, onChange: (s) => seen.push(s) });
    expect(d.reloadIfChanged()).toBe(false);
    write(`${HEADER}\n1,A,N1,Adv\n`); // same content, new mtime: hashed, not reloaded
    expect(d.reloadIfChanged()).toBe(false);
    write(`${HEADER}\n1,A,N9,Adv\n2,B,N2,Adv\n`);
    expect(d.reloadIfChanged()).toBe(true);
    expect(d.get('1')?.networkId).toBe('N9');
    expect(seen.map((s) => [s.version, s.byId.size])).toEqual([
      [1, 1],
      [2, 2],
    ]);
  });

  it('keeps the last good version when the file becomes unusable, and names the file and reason', () => {
    write(`${HEADER}\n1,A,N1,Adv\n`);
    const d = new CampaignDirectory(file, { quarantineDir: quarantine });
    write('id,name\n1,A\n');
    expect(d.reloadIfChanged()).toBe(false);
    expect(d.status().problem).toMatch(
      new RegExp(`${file} has a wrong header .*missing campaign_id, campaign_name, network_id, advertiser`),
    );
    expect(d.get('1')?.networkId).toBe('N1');
    write(`${HEADER}\n,A,N1,Adv\n1,B,,Adv\n`);
    d.reloadIfChanged();
    expect(d.status().problem).toBe(`${file} has no valid campaign rows (2 rejected)`);
    expect(existsSync(rejectsPath())).toBe(true);
    const big = new CampaignDirectory(file, { quarantineDir: quarantine, maxBytes: 10 });
    expect(big.status().problem).toMatch(/is too large \(\d+ bytes, at most 10\)/);
    write('');
    d.reloadIfChanged();
    expect(d.status().problem).toMatch(/is empty/);
    rmSync(file);
    d.reloadIfChanged();
    expect(d.status()).toMatchObject({ campaigns: 1, problem: `${file} is missing` });
    // Back with the very content of the version in use: the problem clears.
    write(`${HEADER}\n1,A,N1,Adv\n`);
    d.reloadIfChanged();
    expect(d.status().problem).toBeUndefined();
    expect(d.version).toBe(2);
  });

  it('reports a file that is unreadable or missing from the start', () => {
    const d = new CampaignDirectory(`${dir}/none.csv`, { quarantineDir: quarantine });
    expect(d.status()).toEqual({
      path: `${dir}/none.csv`,
      loadedAt: null,
      campaigns: 0,
      rejected: 0,
      problem: `${dir}/none.csv is missing`,
    });
    expect(d.snapshot()).toEqual({ version: 0, byId: new Map() });
    write(`${HEADER}\n1,A,N1,Adv\n`);
    if (process.getuid?.() !== 0) {
      chmodSync(file, 0o000);
      const u = new CampaignDirectory(file, { quarantineDir: quarantine });
      expect(u.status().problem).toBe(`${file} cannot be read (EACCES)`);
      chmodSync(file, 0o644);
      utimesSync(file, tick, tick++);
      expect(u.reloadIfChanged()).toBe(true);
    }
    const dd = new CampaignDirectory(dir, { quarantineDir: quarantine });
    expect(dd.status().problem).toMatch(/cannot be read/);
  });

  it('start() picks up a change within the interval; stop() ends it', async () => {
    write(`${HEADER}\n1,A,N1,Adv\n`);
    const d = new CampaignDirectory(file, { quarantineDir: quarantine });
    d.start(20);
    d.start(20);
    write(`${HEADER}\n1,A,N1,Adv\n2,B,N2,Adv\n`);
    await expect.poll(() => d.version, { timeout: 2000, interval: 10 }).toBe(2);
    d.stop();
    write(`${HEADER}\n3,C,N3,Adv\n`);
    await sleep(80);
    expect(d.version).toBe(2);
  });
});
