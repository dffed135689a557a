// Lint: TypeScript rules everywhere, plus the Temporal determinism fence around workflows/:
// no Node built-ins, no I/O libraries, and activities imported as types only.
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
const ioLibraries = [
  'kafkajs',
  'pg',
  'oracledb',
  '@elastic/elasticsearch',
  '@opensearch-project/opensearch',
  '@duckdb/node-api',
  'csv-parse',
  'csv-parse/sync',
  'fast-xml-parser',
  '@temporalio/client',
  '@temporalio/worker',
  '@temporalio/activity',
];

export default tseslint.config(
  { ignores: ['node_modules/**', '.services/**', '.data/**', 'dist/**', 'test-artifacts/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['workflows/**/*.ts'],
    ignores: ['workflows/**/*.test.ts'],
    rules: {
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            ...nodeBuiltins.map((name) => ({
              name,
              message: 'Workflows must be deterministic: no Node built-ins (use an activity).',
            })),
            ...ioLibraries.map((name) => ({ name, message: 'Workflows must not do I/O: call an activity instead.' })),
          ],
          patterns: [
            {
              group: ['../activities/*', '../activities/**'],
              allowTypeImports: true,
              message: 'Import activities as types only (proxyActivities<ReturnType<typeof createX>>).',
            },
            {
              group: ['../lib/*', '../adapters/*', '../adapters/**', '../workers/*'],
              message: 'Workflows may import only workflow-safe code from common/.',
            },
          ],
        },
      ],
    },
  },
);
