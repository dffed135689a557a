/** The layering fence in eslint.config.js really rejects imports from library code into cli/, scripts/ and serve/. */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: new URL('..', import.meta.url).pathname });
const lint = async (filePath: string, code: string) => {
  const [r] = await eslint.lintText(code, { filePath });
  return r!.messages.map((m) => m.message).join('\n');
};

describe('layers point one way', () => {
  it('rejects an import of cli/, scripts/ or serve/ from lib/ at any depth', async () => {
    expect(await lint('lib/example.ts', `import { x } from '../cli/schedule.js';\nexport const y = x;\n`)).toMatch(
      /Layers point one way/,
    );
    expect(
      await lint('lib/serve/example.ts', `import { x } from '../../cli/schedule.js';\nexport const y = x;\n`),
    ).toMatch(/Layers point one way/);
    expect(
      await lint('lib/stream/lake/example.ts', `import { x } from '../../../scripts/demo.js';\nexport const y = x;\n`),
    ).toMatch(/Layers point one way/);
    expect(await lint('lib/example.ts', `import { x } from '../serve/server.js';\nexport const y = x;\n`)).toMatch(
      /Layers point one way/,
    );
  });

  it('rejects it from adapters/, activities/, workers/, common/ and workflows/ too', async () => {
    const code = (up: string) => `import { x } from '${up}cli/schedule.js';\nexport const y = x;\n`;
    expect(await lint('adapters/search/example.ts', code('../../'))).toMatch(/Layers point one way/);
    expect(await lint('activities/example.ts', code('../'))).toMatch(/Layers point one way/);
    expect(await lint('workers/example.ts', code('../'))).toMatch(/Layers point one way/);
    expect(await lint('common/example.ts', code('../'))).toMatch(/Layers point one way/);
    expect(await lint('workflows/example.ts', code('../'))).toMatch(/Layers point one way/);
  });

  it('rejects an adapter that imports the config (adapters take their own option types)', async () => {
    expect(
      await lint(
        'adapters/search/example.ts',
        `import type { AppConfig } from '../../lib/config.js';\nexport type X = AppConfig['search'];\n`,
      ),
    ).toMatch(/lib\/adapter-options\.ts/);
  });

  it('allows imports inside the library and from cli/ into lib/', async () => {
    expect(await lint('lib/serve/example.ts', `import { x } from '../schedules.js';\nexport const y = x;\n`)).toBe('');
    expect(await lint('cli/example.ts', `import { x } from './schedules.js';\nexport const y = x;\n`)).toBe('');
  });

  it('accepts the real library code', async () => {
    const results = await eslint.lintFiles(['lib', 'adapters', 'activities', 'common', 'workers', 'workflows']);
    const layerErrors = results.flatMap((r) =>
      r.messages.filter((m) => /Layers point one way/.test(m.message)).map((m) => `${r.filePath}: ${m.message}`),
    );
    expect(layerErrors).toEqual([]);
  }, 120_000);
});
