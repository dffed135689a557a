import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { HourlyOutput, RejectOutput } from './outputs.js';
import { LineSplitter, MAX_LINE_BYTES, RowScanner } from './row-scanner.js';

const root = mkdtempSync(`${tmpdir()}/line-splitter-`);
afterAll(() => rmSync(root, { recursive: true, force: true }));
const MiB = 1 << 20;

/** A splitter over a scanner writing to `root/<name>`; returns both and the reject file. */
function setup(name: string) {
  const out = new HourlyOutput(`${root}/${name}/clean`, 'x.csv');
  const rejectsPath = `${root}/${name}.rejects.csv`;
  const rejects = new RejectOutput(rejectsPath);
  const scanner = new RowScanner({
    dayStartMs: Date.parse('2030-01-15T00:00:00Z'),
    format: 'combined',
    firstLine: false,
    source: 'f',
    out,
    rejects,
    rejectPrefix: 'f,',
  });
  const lines = new LineSplitter(scanner, out.input);
  return { lines, scanner, rejectsPath, finish: () => (out.close(), rejects.close()) };
}

describe('LineSplitter: a line longer than 1 MiB', () => {
  it('from a stream: the buffer keeps its size however long the line, the line is one malformed_row', () => {
    const { lines, scanner, rejectsPath, finish } = setup('stream');
    const initial = lines.capacity;
    lines.append(Buffer.from('short line one\n'));
    const junk = Buffer.alloc(MiB, 0x41);
    for (let i = 0; i < 200; i++) {
      lines.append(junk); // a 200 MiB line, 1 MiB at a time
      expect(lines.capacity).toBe(initial);
    }
    lines.append(Buffer.from('\nshort line three\n'));
    lines.end();
    finish();
    expect(scanner.counts()).toMatchObject({ lines: 3, rows: 3, valid: 0, byReason: { malformed_row: 3 } });
    const records = readFileSync(rejectsPath, 'utf8').trim().split('\n');
    expect(records.map((r) => r.split(',').slice(0, 3).join(','))).toEqual([
      'f,1,malformed_row',
      'f,2,malformed_row',
      'f,3,malformed_row',
    ]);
    expect(records[1]).toContain(`line of ${200 * MiB} bytes is longer than the ${MAX_LINE_BYTES}-byte limit`);
    expect(records[1]!.length).toBeLessThan(2000);
  });

  it('read from a file descriptor in large reads: same bound, same record', () => {
    const path = `${root}/long.log`;
    const fd = openSync(path, 'w');
    writeSync(fd, 'a\n');
    const junk = Buffer.alloc(4 * MiB, 0x42);
    for (let i = 0; i < 10; i++) writeSync(fd, junk);
    writeSync(fd, '\nb\n');
    closeSync(fd);
    const { lines, scanner, rejectsPath, finish } = setup('fd');
    const initial = lines.capacity;
    const src = openSync(path, 'r');
    for (let pos = 0, n = 1; n > 0; pos += n) {
      n = lines.read(src, pos, 4 * MiB);
      expect(lines.capacity).toBe(initial);
    }
    closeSync(src);
    lines.end();
    finish();
    expect(scanner.counts()).toMatchObject({ lines: 3, rows: 3 });
    expect(readFileSync(rejectsPath, 'utf8')).toContain(`f,2,malformed_row,line of ${40 * MiB} bytes`);
  });
});
