// Lint rules, including the dependency directions of DESIGN.md §2.
const tseslint = require('typescript-eslint');
const js = require('@eslint/js');

const noProject = (dirs) => dirs.map((d) => ({ group: [`**/${d}/**`, `**/${d}`], message: `DESIGN §2: this layer must not import ${d}/` }));
const nodeIo = ['fs', 'node:fs', 'fs/promises', 'node:fs/promises', 'child_process', 'node:child_process', 'http', 'node:http', 'https', 'node:https', 'net', 'node:net', 'axios', 'better-sqlite3'];

const wallClock = [
  { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: 'only src/core/clock.ts reads the wall clock' },
  { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'only src/core/clock.ts reads the wall clock' },
];
const prepareOutsideLedger = { selector: "CallExpression[callee.property.name='prepare']", message: 'CONVENTIONS §6: SQL lives in src/ledger; call a ledger function instead of .prepare()' };

module.exports = tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'examples/**', '**/*.js', 'bin/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: noProject(['config', 'ledger', 'executors', 'meters', 'daemon', 'reports', 'cli', 'forecasts', 'scheduler', 'checkpoints']) }] },
  },
  {
    files: ['scheduler/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: nodeIo.map((name) => ({ name, message: 'DESIGN §2: scheduler/ is pure — no I/O' })),
        patterns: noProject(['config', 'ledger', 'executors', 'meters', 'daemon', 'reports', 'cli', 'forecasts', 'checkpoints']),
      }],
      'no-restricted-properties': ['error', { object: 'Date', property: 'now', message: 'scheduler/ takes now as an argument' }],
    },
  },
  {
    files: ['forecasts/**/*.ts', 'checkpoints/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: noProject(['config', 'ledger', 'executors', 'meters', 'daemon', 'reports', 'cli', 'scheduler']) }] },
  },
  {
    files: ['forecasts/**/*.ts'],
    ignores: ['forecasts/**/client.ts', 'forecasts/http/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: ['axios', 'http', 'node:http', 'https', 'node:https'].map((name) => ({ name, message: 'DESIGN §2: only forecasts/**/client.ts does HTTP' })),
        patterns: noProject(['config', 'ledger', 'executors', 'meters', 'daemon', 'reports', 'cli', 'scheduler']),
      }],
    },
  },
  {
    files: ['src/**/*.ts', 'bench/**/*.ts'],
    ignores: ['src/ledger/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [{ name: 'better-sqlite3', message: 'DESIGN §2: only src/ledger imports better-sqlite3' }] }] },
  },
  {
    files: ['src/**/*.ts', 'scheduler/**/*.ts', 'forecasts/**/*.ts', 'checkpoints/**/*.ts'],
    ignores: ['src/core/clock.ts'],
    rules: { 'no-restricted-syntax': ['error', ...wallClock] },
  },
  // SQL in one place (CONVENTIONS §6): outside src/ledger nothing prepares a statement. A later
  // block replaces an earlier one's options for the same rule, so the wall-clock selectors are repeated.
  {
    files: ['src/**/*.ts', 'scheduler/**/*.ts', 'forecasts/**/*.ts', 'checkpoints/**/*.ts'],
    ignores: ['src/core/clock.ts', 'src/ledger/**/*.ts'],
    rules: { 'no-restricted-syntax': ['error', ...wallClock, prepareOutsideLedger] },
  },
  {
    files: ['bench/**/*.ts'],
    rules: { 'no-restricted-syntax': ['error', prepareOutsideLedger] },
  },
  {
    files: ['tests/**/*.ts', 'bench/**/*.ts'],
    rules: { 'no-console': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
