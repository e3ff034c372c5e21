// ESLint 9 flat config. typescript-eslint's recommended rules over the TypeScript, the
// JavaScript recommended rules over the .mjs scripts and the benchmark, and
// eslint-config-prettier last, so no rule argues with the formatter about layout.
//
// Type-aware rules: only the three that catch a promise nobody awaits, which in a library of
// database calls is a lost write or an unhandled rejection. They cost a TypeScript program
// (about 30 s of CPU over src/ and test/, against 8 s for everything else); the rest of
// recommendedTypeChecked (no-unsafe-*) would repeat no-explicit-any a thousand times over.
// Import cycles and what the CLI may import are checked by tests (test/import-cycles.test.ts),
// not by eslint-plugin-import, whose no-cycle walks the module graph from every file.
import { fileURLToPath } from 'node:url'
import js from '@eslint/js'
import { defineConfig } from 'eslint/config'
import prettier from 'eslint-config-prettier'
import globals from 'globals'
import tseslint from 'typescript-eslint'

// The code marks a deliberately unused binding with a leading underscore
// (`for await (const _row of stream)`, `const { id: _id, ...rest } = row`).
const unusedVars = ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true }]

export default defineConfig(
  {
    ignores: ['dist/', 'coverage/', 'docs/api/', 'bench/node_modules/', 'bench/results/', '.etlp/', 'scratch/'],
  },
  {
    files: ['**/*.{js,mjs,cjs}'],
    extends: [js.configs.recommended],
    languageOptions: { globals: { ...globals.node } },
    rules: { 'no-unused-vars': unusedVars, 'no-empty': ['error', { allowEmptyCatch: true }] },
  },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommended],
    rules: { '@typescript-eslint/no-unused-vars': unusedVars },
  },
  {
    files: ['src/**/*.ts', 'test/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: fileURLToPath(new URL('.', import.meta.url)) } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
    },
  },
  {
    // Declarative models and migrations name their tables at run time, so their queries
    // cannot be typed: the one place in src/ where `any` may stay.
    files: ['src/models/**', 'src/migrations/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Tests read raw tables (Kysely<any> over prefixed names) and untyped HTTP bodies.
    files: ['test/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  prettier,
)
