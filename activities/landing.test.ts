/**
 * Bad input at the land and validate steps, on the activities themselves (the Temporal activity context is
 * replaced by a stub whose heartbeat lets a test act between reads): links and other non-files refused,
 * unreadable and truncated files, a corrupt hash cache, a file changed while landed, identical files, and
 * arguments outside the configured roots. Every refusal is a non-retryable `BadInputError` naming the file.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { gzipSync } from 'node:zlib';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { NON_RETRYABLE_FAILURE_TYPES } from '../common/failure-types.js';
import type { LandedFile } from '../common/batch.js';
import { generateWeblogLines } from '../lib/generate/weblogs.js';
import { createLandingActivities } from './landing.js';

const hooks = vi.hoisted(() => ({
  beat: undefined as ((d: { file?: string; bytes?: number }) => void) | undefined,
  openError: undefined as ((path: string) => Error | undefined) | undefined,
  warnings: [] as string[],
}));

vi.mock('@temporalio/activity', () => ({
  Context: {
    current: () => ({
      heartbeat: (d: { file?: string; bytes?: number }) => hooks.beat?.(d),
      log: { warn: (m: string) => hooks.warnings.push(m), info: () => undefined },
    }),
  },
}));

vi.mock('node:fs/promises', async (importOriginal) => {
  const orig = await importOriginal<typeof import('node:fs/promises')>();
  const open = ((path: string, ...rest: unknown[]) => {
    const e = hooks.openError?.(String(path));
    return e ? Promise.reject(e) : (orig.open as (...a: unknown[]) => unknown)(path, ...rest);
  }) as typeof orig.open;
  return { ...orig, default: { ...orig, open }, open };
});

const DATE = '2031-07-01';
const root = mkdtempSync(`${tmpdir()}/landing-act-`);
const deps = { landingDir: `${root}/landing`, workDir: `${root}/work`, quarantineDir: `${root}/quarantine` };
const acts = createLandingActivities(deps);
const dayDir = `${deps.landingDir}/${DATE}`;
const staging = `${deps.workDir}/staging/${DATE}`;

afterAll(() => rmSync(root, { recursive: true, force: true }));
beforeEach(() => {
  rmSync(root, { recursive: true, force: true });
  mkdirSync(dayDir, { recursive: true });
});
afterEach(() => {
  hooks.beat = undefined;
  hooks.openError = undefined;
  hooks.warnings.length = 0;
});

/** A CSV day of `rows` generated rows (no bad rows). */
const csv = (rows: number, seed: number): string =>
  [...generateWeblogLines({ date: DATE, rows, format: 'csv', badRate: 0, customers: 50, seed }, () => undefined)].join(
    '\n',
  ) + '\n';
const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

/** The typed failure an activity call rejects with (fails the test when it resolves). */
async function failure(p: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'the activity should have failed').toBeInstanceOf(ApplicationFailure);
  const f = err as ApplicationFailure;
  expect(f.type).toBe('BadInputError');
  expect(f.nonRetryable).toBe(true);
  expect(NON_RETRYABLE_FAILURE_TYPES).toContain(f.type);
  return f;
}
const reason = (f: ApplicationFailure) => (f.details?.[0] as { reason?: string } | undefined)?.reason;

describe('landDayFiles: entries that are not plain files', () => {
  it('refuses a symbolic link (naming it and its target) and never reads what it points to', async () => {
    writeFileSync(`${root}/secret.txt`, 'TOP-SECRET-LINE\n');
    writeFileSync(`${dayDir}/a.csv`, csv(50, 1));
    symlinkSync(`${root}/secret.txt`, `${dayDir}/b.csv`);
    const f = await failure(acts.landDayFiles({ date: DATE }));
    expect(f.message).toContain(`${dayDir}/b.csv is a symbolic link (to ${root}/secret.txt)`);
    expect(reason(f)).toBe('symlink');
    for (const n of existsSync(staging) ? readdirSync(staging) : [])
      expect(readFileSync(`${staging}/${n}`, 'utf8')).not.toContain('TOP-SECRET');
    expect(reason(await failure(acts.landingFingerprint({ date: DATE })))).toBe('symlink');
  });

  it('refuses a named pipe at once instead of blocking on it', async () => {
    writeFileSync(`${dayDir}/a.csv`, csv(50, 1));
    execFileSync('mkfifo', [`${dayDir}/pipe.csv`]);
    const f = await failure(acts.landDayFiles({ date: DATE }));
    expect(f.message).toContain(`${dayDir}/pipe.csv is a named pipe: only regular files are landed`);
  });

  it('refuses a date directory that links outside LANDING_DIR', async () => {
    rmSync(dayDir, { recursive: true });
    mkdirSync(`${root}/elsewhere`);
    writeFileSync(`${root}/elsewhere/a.csv`, csv(10, 1));
    symlinkSync(`${root}/elsewhere`, dayDir);
    const f = await failure(acts.landDayFiles({ date: DATE }));
    expect(f.message).toMatch(/landDayFiles: landing directory .* is outside the configured LANDING_DIR/);
  });
});

describe('landDayFiles: unreadable, changing and identical files', () => {
  it.skipIf(process.getuid?.() === 0)('an unreadable file (mode 000) is a typed error naming it', async () => {
    writeFileSync(`${dayDir}/a.csv`, csv(10, 1));
    chmodSync(`${dayDir}/a.csv`, 0);
    const f = await failure(acts.landDayFiles({ date: DATE }));
    expect(f.message).toContain(`${dayDir}/a.csv cannot be read (EACCES`);
  });

  it('an unreadable file (open fails with EACCES, as for a non-root worker) is a typed error naming it', async () => {
    writeFileSync(`${dayDir}/a.csv`, csv(10, 1));
    writeFileSync(`${dayDir}/b.csv`, csv(10, 2));
    hooks.openError = (p) =>
      p.endsWith('/b.csv')
        ? Object.assign(new Error(`EACCES: permission denied, open '${p}'`), { code: 'EACCES' })
        : undefined;
    const f = await failure(acts.landDayFiles({ date: DATE }));
    expect(f.message).toBe(`${dayDir}/b.csv cannot be read (EACCES: permission denied)`);
    expect(f.details?.[0]).toMatchObject({ file: `${dayDir}/b.csv`, reason: 'unreadable' });
  });

  it('hashes the staged copy: a source rewritten after it was listed never leaves a copy whose name is not its hash', async () => {
    writeFileSync(`${dayDir}/a.csv`, csv(200, 1));
    writeFileSync(`${dayDir}/b.csv`, csv(200, 2));
    hooks.beat = (d) => {
      // Between files: a.csv gets new content of the same size.
      if (d.file === 'b.csv' && d.bytes === undefined)
        writeFileSync(`${dayDir}/a.csv`, readFileSync(`${dayDir}/a.csv`, 'utf8').replace(/Mozilla/g, 'Mozillb'));
    };
    const r = await acts.landDayFiles({ date: DATE });
    expect(r.files).toHaveLength(2);
    for (const f of r.files) expect(sha(readFileSync(f.stagedPath))).toBe(f.sha256);
  });

  it('a file that changes while it is copied is refused with a reason, leaving nothing half-staged', async () => {
    writeFileSync(`${dayDir}/big.csv`, csv(30_000, 3)); // several read chunks
    let appended = false;
    hooks.beat = (d) => {
      if (d.file === 'big.csv' && d.bytes && !appended) {
        appended = true;
        appendFileSync(`${dayDir}/big.csv`, csv(1, 4).split('\n')[1] + '\n');
      }
    };
    const f = await failure(acts.landDayFiles({ date: DATE }));
    expect(f.message).toMatch(new RegExp(`^${dayDir}/big\\.csv changed while it was being landed`));
    expect(reason(f)).toBe('changed_while_landing');
    expect(readdirSync(staging).filter((n) => !n.endsWith('.json'))).toEqual([]);
    hooks.beat = undefined;
    const r = await acts.landDayFiles({ date: DATE }); // once complete, it lands
    expect(sha(readFileSync(r.files[0]!.stagedPath))).toBe(sha(readFileSync(`${dayDir}/big.csv`)));
  });

  it('two files with the same content are landed and counted once, the duplicate reported', async () => {
    const text = csv(300, 5);
    writeFileSync(`${dayDir}/a.csv`, text);
    writeFileSync(`${dayDir}/b-copy.csv`, text);
    writeFileSync(`${dayDir}/c.csv`, csv(100, 6));
    const r = await acts.landDayFiles({ date: DATE });
    expect(r.files.map((f) => f.name)).toEqual(['a.csv', 'c.csv']);
    expect(r.duplicates).toEqual([{ name: 'b-copy.csv', sameAs: 'a.csv' }]);
    expect(hooks.warnings.join('\n')).toContain('b-copy.csv is identical to a.csv');
    expect(await acts.landingFingerprint({ date: DATE })).toBe(r.fingerprint);
    const rows = await Promise.all(r.files.map((file) => acts.validateLandedFile({ date: DATE, file })));
    expect(rows.reduce((n, v) => n + v.rows, 0)).toBe(400);
    rmSync(`${dayDir}/b-copy.csv`);
    expect((await acts.landDayFiles({ date: DATE })).fingerprint).toBe(r.fingerprint); // the same content, the same fingerprint
  });
});

describe('landDayFiles: the hash cache', () => {
  it.each([
    ['not JSON', '{"a.csv": {"size": 1'],
    ['not an object', '[1, 2, 3]'],
    ['entries of the wrong shape', JSON.stringify({ 'a.csv': { size: 'x', mtimeMs: 1, sha256: 'zz' }, 'b.csv': null })],
  ])('a corrupt cache (%s) is discarded and rebuilt: same result as without it', async (_what, content) => {
    writeFileSync(`${dayDir}/a.csv`, csv(100, 1));
    writeFileSync(`${dayDir}/b.csv`, csv(100, 2));
    const clean = await acts.landDayFiles({ date: DATE });
    writeFileSync(`${staging}/hash-cache.json`, content);
    const r = await acts.landDayFiles({ date: DATE });
    expect(r.fingerprint).toBe(clean.fingerprint);
    expect(r.files).toEqual(clean.files);
    expect(hooks.warnings.join('\n')).toMatch(/hash cache discarded and rebuilt/);
    const cache = JSON.parse(readFileSync(`${staging}/hash-cache.json`, 'utf8')) as Record<string, { sha256: string }>;
    expect(Object.fromEntries(Object.entries(cache).map(([k, v]) => [k, v.sha256]))).toEqual(
      Object.fromEntries(clean.files.map((f) => [f.name, f.sha256])),
    );
    writeFileSync(`${staging}/hash-cache.json`, content);
    expect(await acts.landingFingerprint({ date: DATE })).toBe(clean.fingerprint);
  });
});

describe('validateLandedFile: compressed input that does not decompress', () => {
  it.each([
    ['truncated', (gz: Buffer) => gz.subarray(0, Math.floor(gz.length / 2))],
    ['not gzip at all', () => Buffer.from('this is not gzip\n')],
  ])('a %s .gz is a typed error naming the file, leaving no clean rows', async (_what, mangle) => {
    writeFileSync(`${dayDir}/day.csv.gz`, mangle(gzipSync(csv(5000, 7))));
    const land = await acts.landDayFiles({ date: DATE });
    const f = await failure(acts.validateLandedFile({ date: DATE, file: land.files[0]! }));
    expect(f.message).toMatch(/^day\.csv\.gz: not a complete gzip file \(.+\): it is truncated or corrupt/);
    expect(f.details?.[0]).toMatchObject({ file: 'day.csv.gz', reason: 'bad_gzip' });
    const clean = `${deps.workDir}/runs/${DATE}/clean`;
    const done = existsSync(clean)
      ? readdirSync(clean, { recursive: true })
          .map(String)
          .filter((n) => n.endsWith('.csv'))
      : [];
    expect(done).toEqual([]);
  });
});

describe('every landing activity checks its own input', () => {
  const file = (over: Partial<LandedFile> = {}): LandedFile => ({
    name: 'a.csv',
    size: 10,
    sha256: 'a'.repeat(64),
    stagedPath: `${staging}/${'a'.repeat(64)}`,
    gzip: false,
    ...over,
  });
  it.each([
    [
      'a date that is not a calendar date',
      () => acts.landDayFiles({ date: '2031-02-30' }),
      /^landDayFiles: date "2031-02-30" is not a calendar date YYYY-MM-DD/,
    ],
    [
      'a date that is not a string',
      () => acts.landDayFiles({ date: 20310701 as unknown as string }),
      /^landDayFiles: date must be a date string YYYY-MM-DD \(got 20310701\)/,
    ],
    ['no argument', () => acts.landDayFiles(undefined as never), /^landDayFiles: date must be a date string/],
    [
      'a landing directory outside LANDING_DIR',
      () => acts.landDayFiles({ date: DATE, landingDir: tmpdir() }),
      /landingDir .* is outside the configured LANDING_DIR/,
    ],
    [
      'a landing directory escaping LANDING_DIR with ..',
      () => acts.landDayFiles({ date: DATE, landingDir: `${deps.landingDir}/../work` }),
      /is outside the configured LANDING_DIR/,
    ],
    [
      'a fingerprint of an impossible date',
      () => acts.landingFingerprint({ date: '2031-13-01' }),
      /^landingFingerprint: date "2031-13-01"/,
    ],
    [
      'a file name with a directory part',
      () => acts.validateLandedFile({ date: DATE, file: file({ name: '../../etc/x' }) }),
      /^validateLandedFile: file name "..\/..\/etc\/x" is not a plain file name/,
    ],
    [
      'a staged path outside the staging area',
      () => acts.validateLandedFile({ date: DATE, file: file({ stagedPath: '/etc/passwd' }) }),
      /stagedPath "\/etc\/passwd" is not the staged copy/,
    ],
    [
      'a sha256 that is not one',
      () => acts.validateLandedFile({ date: DATE, file: file({ sha256: '../x' }) }),
      /sha256 must be 64 lowercase hex digits/,
    ],
    [
      'an unknown format',
      () => acts.validateLandedFile({ date: DATE, file: file(), format: 'xml' as never }),
      /^validateLandedFile: format must be "csv" or "combined" \(got "xml"\)/,
    ],
  ])('%s', async (_what, call, message) => {
    expect((await failure(call())).message).toMatch(message);
  });

  it('accepts a landing directory under LANDING_DIR', async () => {
    mkdirSync(`${deps.landingDir}/sub/${DATE}`, { recursive: true });
    writeFileSync(`${deps.landingDir}/sub/${DATE}/a.csv`, csv(10, 1));
    expect((await acts.landDayFiles({ date: DATE, landingDir: `${deps.landingDir}/sub` })).files).toHaveLength(1);
  });
});
