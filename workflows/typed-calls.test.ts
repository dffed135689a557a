/**
 * Guard: no workflow, Query or Update is named by a string literal outside its definition. Callers start workflows
 * by their function (`client.workflow.start(streamViewership, …)`) and use the definitions of `common/*-api.ts`
 * (`handle.query(streamStatusQuery)`, `handle.executeUpdate(rewindUpdate, { args: [toMs] })`), so a rename breaks
 * the compile instead of production. This test scans the source tree (every .ts/.js file outside node_modules,
 * except the workflow definitions themselves) and fails naming each file:line that names one by a string again.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as batchApi from '../common/batch-api.js';
import * as streamApi from '../common/stream-api.js';
import * as workflows from './index.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SELF = 'workflows/typed-calls.test.ts';
const SKIP_DIRS = new Set(['node_modules', 'dist', 'test-artifacts', 'public']);

/** Workflow type names: the functions the workers register. */
const WORKFLOW_NAMES = Object.values(workflows)
  .filter((v): v is (...a: any[]) => any => typeof v === 'function')
  .map((f) => f.name);
/** Query names from the shared definition modules. */
const definitions = ([...Object.values(streamApi), ...Object.values(batchApi)] as unknown[]).filter(
  (v): v is { type: string; name: string } => typeof v === 'object' && v !== null && 'type' in v && 'name' in v,
);
const QUERY_NAMES = definitions.filter((d) => d.type === 'query').map((d) => d.name);

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const alt = (names: string[]) => names.map(esc).join('|');
/** Optional explicit type arguments between the method and its parenthesis, e.g. `query<StreamState>(`. */
const TYPE_ARGS = String.raw`\s*(?:<[^'"\`;]*?>)?\s*\(\s*`;

const RULES: { re: RegExp; fix: string }[] = [
  {
    re: new RegExp(String.raw`\bworkflow\.(?:start|execute|signalWithStart)${TYPE_ARGS}['"\`]`),
    fix: 'start a workflow by its function: client.workflow.start(streamViewership, …) (import it from workflows/)',
  },
  {
    re: new RegExp(String.raw`\b(?:executeChild|startChild)${TYPE_ARGS}['"\`]`),
    fix: 'start a child workflow by its function: executeChild(batchDay, …)',
  },
  {
    re: new RegExp(String.raw`\.(?:executeUpdate|startUpdate|executeUpdateWithStart|signal)${TYPE_ARGS}['"\`]`),
    fix: 'send an Update with its definition: handle.executeUpdate(rewindUpdate, { args: [toMs] }) (from common/stream-api.ts)',
  },
  {
    re: new RegExp(String.raw`\.query${TYPE_ARGS}(['"\`])(?:${alt(QUERY_NAMES)})\1`),
    fix: 'query with the definition: handle.query(streamStatusQuery) / handle.query(progressQuery) (from common/*-api.ts)',
  },
  {
    re: new RegExp(String.raw`(['"\`])(?:${alt(WORKFLOW_NAMES)})\1`),
    fix: 'refer to the workflow function (or `${fn.name}` in a visibility query / a Schedule expectation), not its name as a string',
  },
];

/** Comments blanked out (line breaks kept, so line numbers stay right); `//` only after a blank, so URLs survive. */
function stripComments(code: string): string {
  return code.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' ')).replace(/(^|[ \t])\/\/.*$/gm, '$1');
}

/** Every `line: problem` of `code`. */
function findStringNames(code: string): string[] {
  const out: string[] = [];
  stripComments(code)
    .split('\n')
    .forEach((line, i) => {
      for (const r of RULES) if (r.re.test(line)) out.push(`${i + 1}: ${line.trim()}  →  ${r.fix}`);
    });
  return out;
}

function sourceFiles(dir = ROOT, rel = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.') || SKIP_DIRS.has(e.name)) continue;
    const path = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...sourceFiles(`${dir}/${e.name}`, path));
    else if (/\.(ts|mts|js|mjs)$/.test(e.name)) out.push(path);
  }
  return out;
}

/** The definitions themselves: the workflow modules (not their tests) and the shared Query/Update modules. */
const isDefinition = (path: string) =>
  (/^workflows\/[^/]+\.ts$/.test(path) && !path.endsWith('.test.ts')) ||
  /^common\/[^/]+-api\.ts$/.test(path) ||
  path === SELF;

describe('typed Temporal calls', () => {
  it('knows the workflow and Query names it guards', () => {
    expect(WORKFLOW_NAMES).toEqual(
      expect.arrayContaining([
        'streamViewership',
        'batchDay',
        'batchBackfill',
        'scheduledBatch',
        'refreshProfileCaches',
        'systemHealth',
      ]),
    );
    expect(QUERY_NAMES).toEqual(expect.arrayContaining(['status', 'progress']));
  });

  it('flags string names in calls and leaves typed calls, SQL and comments alone', () => {
    const bad = [
      `await client.workflow.start('streamViewership', { taskQueue, workflowId, args: [{}] });`,
      `await client.workflow.execute<() => Promise<X>>("systemHealth", { taskQueue, workflowId });`,
      `const s = await handle.query<StreamState>('status');`,
      `await handle.executeUpdate('rewind', { args: [0] });`,
      `await handle.executeUpdate<void, []>('stop');`,
      `await handle.signal('pause');`,
      "const q = `WorkflowType='batchDay'`;",
      `expect(d.action).toMatchObject({ workflowType: 'scheduledBatch' });`,
      `return executeChild('validateFiles', { args: [] });`,
    ];
    for (const line of bad) expect(findStringNames(line), line).not.toEqual([]);
    const good = [
      `await client.workflow.start(streamViewership, { taskQueue, workflowId, args: [{}] });`,
      `const s = await handle.query(streamStatusQuery);`,
      `await handle.executeUpdate(rewindUpdate, { args: [toMs] });`,
      `await pool.query('SELECT 1'); await client.query('BEGIN'); await c.query<Row>(\`SELECT * FROM t\`);`,
      "const q = `WorkflowType='${batchDay.name}'`;",
      `/** Start \`streamViewership\` with 'streamViewership'. */`,
      `// handle.executeUpdate('stop')`,
      `program.command('status'); const url = 'http://host/streamViewership/x';`,
    ];
    for (const line of good) expect(findStringNames(line), line).toEqual([]);
  });

  it('no workflow, Query or Update is named by a string literal outside its definition', () => {
    const files = sourceFiles().filter((f) => !isDefinition(f));
    expect(files.length).toBeGreaterThan(50);
    const problems = files.flatMap((f) =>
      findStringNames(readFileSync(`${ROOT}/${f}`, 'utf8')).map((p) => `${f}:${p}`),
    );
    expect(
      problems,
      'Temporal workflows, Queries and Updates must be referred to by their typed definitions, so that a rename breaks ' +
        'the compile and not production. Fix each line listed:',
    ).toEqual([]);
  });
});
