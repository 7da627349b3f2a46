// Prints one plain closing line after every jest run, e.g. `jest: 615 passed, 0 failed, 2 skipped`,
// so CI logs state the count in the plain form any reader (human or tool) can parse.
'use strict';

class SummaryReporter {
  onRunComplete(_contexts, results) {
    process.stdout.write(`\njest: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${results.numPendingTests} skipped\n`);
  }
}

module.exports = SummaryReporter;
