import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { discardDirectory } from './fsutil.js';

describe('discardDirectory', () => {
  it('frees the path at once, then deletes it and the leftovers of an earlier discard in the background', async () => {
    const parent = mkdtempSync(`${tmpdir()}/discard-`);
    const day = `${parent}/2030-01-15`;
    mkdirSync(`${day}/clean/hour=00`, { recursive: true });
    writeFileSync(`${day}/clean/hour=00/a.csv`, 'x\n');
    mkdirSync(`${parent}/.discard-2030-01-14-1-dead/clean`, { recursive: true }); // a process died while deleting
    mkdirSync(`${parent}/2030-01-16`); // a neighbour stays
    const done = discardDirectory(day);
    expect(existsSync(day)).toBe(false);
    mkdirSync(day); // a new run may write there before the deletion ends
    await done;
    expect(readdirSync(parent).sort()).toEqual(['2030-01-15', '2030-01-16']);
    expect(readdirSync(day)).toEqual([]);
    await expect(discardDirectory(`${parent}/missing`)).resolves.toBeUndefined();
  });
});
