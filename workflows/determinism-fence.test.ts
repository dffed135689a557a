/** The lint fence around workflows/ really rejects Node built-ins, I/O libraries and value imports of activities. */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: new URL('..', import.meta.url).pathname });
const lint = async (code: string) => {
  const [r] = await eslint.lintText(code, { filePath: 'workflows/example.ts' });
  return r!.messages.map((m) => m.message);
};

describe('workflows/ determinism fence', () => {
  it('rejects Node built-ins and I/O libraries', async () => {
    expect((await lint(`import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n`)).join()).toMatch(
      /no Node built-ins/,
    );
    expect((await lint(`import { Kafka } from 'kafkajs';\nexport const x = Kafka;\n`)).join()).toMatch(
      /must not do I\/O/,
    );
  });

  it('allows type-only imports of activities and rejects value imports', async () => {
    expect(
      await lint(
        `import type { createKafkaActivities } from '../activities/kafka.js';\nexport type X = ReturnType<typeof createKafkaActivities>;\n`,
      ),
    ).toEqual([]);
    expect(
      (
        await lint(
          `import { createKafkaActivities } from '../activities/kafka.js';\nexport const x = createKafkaActivities;\n`,
        )
      ).join(),
    ).toMatch(/types only/);
  });

  it('accepts the real workflows', async () => {
    const results = await eslint.lintFiles(['workflows/*.ts']);
    expect(results.flatMap((r) => r.messages.map((m) => `${r.filePath}: ${m.message}`))).toEqual([]);
  });
});
