#!/usr/bin/env node
// A training program that speaks the carbond job protocol (DESIGN §4) badly, for tests of
// how carbond classifies what it did. Counts steps like tests/fixtures/jobs/protocol-job.js.
//   --steps N             total steps (default 1000)
//   --step-ms MS          time per step (default 10)
//   --on-pause MODE       what it does on SIGTERM:
//       exit0             exits 0 at once, writing no checkpoint
//       corrupt           writes a checkpoint whose manifest sha256 is wrong, acknowledges it, exits 0
//       finish            reports its last step (step = total) and exits 0, writing no checkpoint
//   --fail-once-at K      exits 1 at step K the first time only (a marker file in cwd remembers)
// Appends one line per start to ./starts.log (cwd): "<jobId> <pid> <resumeStep>".
'use strict';
const fs = require('fs');
const path = require('path');

const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
const totalSteps = Number(opt('--steps', '1000'));
const stepMs = Number(opt('--step-ms', '10'));
const onPause = opt('--on-pause', 'exit0');
const failOnceAt = Number(opt('--fail-once-at', '-1'));
const emit = (e) => fs.appendFileSync(process.env.CARBOND_EVENTS, JSON.stringify(e) + '\n');

let step = 0;
if (process.env.CARBOND_RESUME_FROM) {
  step = JSON.parse(fs.readFileSync(path.join(process.env.CARBOND_RESUME_FROM, 'state.json'), 'utf8')).step;
}
fs.appendFileSync('starts.log', `${process.env.CARBOND_JOB_ID} ${process.pid} ${step}\n`);

function corruptCheckpoint() {
  const dir = path.join(process.env.CARBOND_CHECKPOINT_DIR, `ckpt-${String(step).padStart(12, '0')}`);
  fs.mkdirSync(dir, { recursive: true });
  const data = Buffer.from(JSON.stringify({ step }));
  fs.writeFileSync(path.join(dir, 'state.json'), data);
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ step, createdAt: new Date().toISOString(),
    files: [{ path: 'state.json', bytes: data.length, sha256: '0'.repeat(64) }] }));
  emit({ event: 'checkpoint', path: dir, step });
}

process.on('SIGTERM', () => {
  if (onPause === 'corrupt') corruptCheckpoint();
  if (onPause === 'finish') { step = totalSteps; emit({ event: 'progress', step, totalSteps }); }
  process.exit(0);
});

function loop() {
  if (step >= totalSteps) process.exit(0);
  step += 1;
  if (step === failOnceAt && !fs.existsSync('failed-once')) { fs.writeFileSync('failed-once', ''); process.exit(1); }
  emit({ event: 'progress', step, totalSteps });
  setTimeout(loop, stepMs);
}
emit({ event: 'progress', step, totalSteps });
setTimeout(loop, stepMs);
