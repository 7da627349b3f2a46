/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  // The fault suite (crash cycles, provider chaos, fuzzing, disk faults, bursts) runs on its
  // own: `npm run test:reliability` (jest.reliability.config.js), which .ci/run also runs.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/tests/reliability/'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tests/tsconfig.json' }] },
  // e2e tests spawn the built CLI; they need `npm run build` first (the test script does it).
  testTimeout: 30000,
  reporters: ['default', '<rootDir>/tests/helpers/summary-reporter.js'],
  maxWorkers: process.env.CI ? 2 : '50%',
};
