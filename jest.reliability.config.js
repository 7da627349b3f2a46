/**
 * The fault suite (issue: "Nothing lost, nothing wrong"): real daemons and job processes
 * under crash cycles, provider chaos, property-based fuzzing, disk faults and a job burst.
 * `npm run test:reliability`; .ci/run runs it after the main suite. See docs/reliability.md.
 */
const base = require('./jest.config.js');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  testPathIgnorePatterns: ['/node_modules/'],
  roots: ['<rootDir>/tests/reliability'],
  testTimeout: 600_000,
  maxWorkers: 1,
};
