// Lint: TypeScript rules everywhere, the Temporal determinism fence around workflows/ (no Node built-ins, no I/O
// libraries, activities imported as types only), and the layering fence: library code never imports an entry point.
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

// Layers point one way: code under these directories never imports the entry points (cli/, scripts/, serve/).
const libraryDirs = ['lib', 'adapters', 'activities', 'common', 'workers', 'workflows'];
const entryPointDirs = ['cli', 'scripts', 'serve'];
const layerMessage =
  'Layers point one way: library code must not import cli/, scripts/ or serve/ (move the shared part to lib/).';
// Patterns match the import as written: a file `depth` folders below the root reaches an entry point via '../' × depth.
const layerPatterns = (depth) => ({
  group: entryPointDirs.flatMap((dir) => [`${'../'.repeat(depth)}${dir}`, `${'../'.repeat(depth)}${dir}/**`]),
  message: layerMessage,
});
// Adapters take their own option types; the config is mapped to them in lib/adapter-options.ts only.
const adapterConfigPattern = {
  group: ['../../lib/config', '../../lib/config.js'],
  message: 'Adapters take their own option types: map the config in lib/adapter-options.ts.',
};
const layerFence = libraryDirs
  .filter((dir) => dir !== 'workflows')
  .flatMap((dir) =>
    [1, 2, 3, 4].map((depth) => ({
      files: [`${dir}/${'*/'.repeat(depth - 1)}*.ts`],
      rules: {
        'no-restricted-imports': [
          'error',
          {
            patterns: [layerPatterns(depth), ...(dir === 'adapters' && depth === 2 ? [adapterConfigPattern] : [])],
          },
        ],
      },
    })),
  );

export default tseslint.config(
  { ignores: ['node_modules/**', '.services/**', '.data/**', 'dist/**', 'test-artifacts/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  ...layerFence,
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
            layerPatterns(1),
          ],
        },
      ],
    },
  },
);
