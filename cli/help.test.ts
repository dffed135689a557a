import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { program } from './main.js';

/** Every command under `cmd` with its path from the root (`batch run`), depth first. */
function walk(cmd: Command, path: string[] = []): { path: string; cmd: Command }[] {
  return cmd.commands.flatMap((c) => [
    { path: [...path, c.name()].join(' '), cmd: c },
    ...walk(c, [...path, c.name()]),
  ]);
}

/** The full `--help` text of a command, as printed (including text added with addHelpText). */
function helpText(cmd: Command): string {
  let out = '';
  cmd.configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (out += s) });
  cmd.outputHelp();
  return out;
}

const all = walk(program);
const leaves = all.filter(({ cmd }) => cmd.commands.length === 0);

describe('viewership CLI help', () => {
  it('finds the command tree', () => {
    // Sanity: the walk sees nested commands, so the per-command checks below are not vacuous.
    expect(leaves.map((l) => l.path)).toEqual(
      expect.arrayContaining([
        'worker',
        'batch run',
        'batch status',
        'stream status',
        'schedule list',
        'kibana export',
        'config',
      ]),
    );
  });

  it.each(leaves.map((l) => [l.path, l.cmd] as const))(
    '%s --help shows a description and an example of itself',
    (path, cmd) => {
      const text = helpText(cmd);
      expect(cmd.description().length).toBeGreaterThan(10);
      expect(text).toMatch(/\nExamples?:\n/);
      const examples = text
        .slice(text.search(/\nExamples?:\n/))
        .split('\n')
        .slice(2)
        .filter((l) => l.startsWith('  '));
      expect(
        examples.some((l) => l.includes(`viewership ${path}`)),
        `an example line running "viewership ${path}"`,
      ).toBe(true);
    },
  );

  it.each(all.filter((c) => c.cmd.commands.length > 0).map((c) => [c.path, c.cmd] as const))(
    '%s --help lists its subcommands and shows an example',
    (path, cmd) => {
      const text = helpText(cmd);
      for (const sub of cmd.commands) expect(text).toContain(sub.name());
      expect(text).toMatch(new RegExp(`\\nExamples?:\\n(\\s+.*\\n)*\\s+viewership ${path} `));
    },
  );

  it.each(
    leaves
      .filter((l) => /^(status|list|totals)$/.test(l.cmd.name()) || l.path === 'doctor')
      .map((l) => [l.path, l.cmd] as const),
  )('%s (a status command) has --json', (_path, cmd) => {
    expect(cmd.options.map((o) => o.long)).toContain('--json');
  });

  it('--help parses without running the command and ends with exit code 0', async () => {
    for (const { path, cmd } of leaves) {
      cmd.configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
      const err = await program.parseAsync(['node', 'viewership', ...path.split(' '), '--help']).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, path).toMatchObject({ code: 'commander.helpDisplayed', exitCode: 0 });
    }
  });
});
