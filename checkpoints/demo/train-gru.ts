/**
 * The demo trainer: a small character-level GRU language model trained under the job
 * protocol by the TF.js harness. Runnable by carbond as a job:
 *
 *   node dist/checkpoints/demo/train-gru.js --steps 200 --seed 1 [--step-delay-ms 50 | --step-period-ms 250] [--loss-log loss.tsv]
 *
 * Reads CARBOND_CHECKPOINT_DIR / CARBOND_RESUME_FROM / CARBOND_EVENTS / CARBOND_JOB_ID
 * (flags override them). Exit 0 when finished or paused, 2 on bad flags, 4 when a
 * checkpoint cannot be read or written.
 */
import { parseArgs } from 'node:util';
import { CarbondError, exitCodeOf, ExitCode, InputError } from '../../src/core/errors';
import { Issues } from '../../src/core/validation';
import { isBackendPreference } from '../harness/backend';
import type { HarnessOptions } from '../harness/harness';
import { runHarness } from '../harness/harness';
import { readProtocolEnv } from '../protocol';
import { DEMO_CORPUS, tokenise } from './corpus';
import { createGruTask } from './gru-model';

const FLAGS = {
  steps: { type: 'string', default: '200' },
  seed: { type: 'string', default: '1' },
  'step-delay-ms': { type: 'string', default: '0' },
  'step-period-ms': { type: 'string', default: '0' },
  'loss-log': { type: 'string' },
  'checkpoint-dir': { type: 'string' },
  'resume-from': { type: 'string' },
  events: { type: 'string' },
  'pause-signal': { type: 'string', default: 'SIGTERM' },
  'pause-at-step': { type: 'string' },
  'checkpoint-every': { type: 'string', default: '0' },
  keep: { type: 'string', default: '3' },
  backend: { type: 'string', default: 'auto' },
  embed: { type: 'string', default: '16' },
  hidden: { type: 'string', default: '64' },
  'seq-len': { type: 'string', default: '16' },
  batch: { type: 'string', default: '16' },
  lr: { type: 'string', default: '0.01' },
} as const;

const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGUSR1', 'SIGUSR2', 'SIGHUP'];

/** Parses the command line into harness options; every bad flag is reported at once. */
export function parseTrainerArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): HarnessOptions {
  const { values: v } = parseArgs({ args: argv, options: FLAGS, strict: true, allowPositionals: false });
  const issues = new Issues();
  const int = (flag: keyof typeof FLAGS, min: number): number => {
    const text = v[flag] as string;
    const n = Number(text);
    if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(n) || n < min) issues.add(`--${flag}`, `must be an integer ≥ ${min}`, text);
    return n;
  };
  const steps = int('steps', 1);
  const seed = int('seed', 0);
  const config = { embedDim: int('embed', 1), hiddenDim: int('hidden', 1), seqLen: int('seq-len', 1), batchSize: int('batch', 1), learningRate: Number(v.lr) };
  if (!(config.learningRate > 0)) issues.add('--lr', 'must be a positive number', v.lr);
  const opts = { stepDelayMs: int('step-delay-ms', 0), stepPeriodMs: int('step-period-ms', 0), checkpointEvery: int('checkpoint-every', 0), keep: int('keep', 1) };
  const pauseAtStep = v['pause-at-step'] === undefined ? undefined : int('pause-at-step', 1);
  if (!SIGNALS.includes(v['pause-signal'])) issues.add('--pause-signal', `must be one of ${SIGNALS.join(', ')}`, v['pause-signal']);
  if (!isBackendPreference(v.backend)) issues.add('--backend', 'must be auto, tensorflow-gpu, tensorflow, wasm or cpu', v.backend);
  issues.throwIfAny((all) => new InputError(all, 'train-gru flags'));
  const penv = readProtocolEnv(env);
  const { vocabulary, tokens } = tokenise(DEMO_CORPUS);
  const options: HarnessOptions = {
    createTask: (rng) => createGruTask({ tokens, vocabSize: vocabulary.length, ...config }, rng),
    totalSteps: steps,
    seed,
    pauseSignal: v['pause-signal'] as NodeJS.Signals,
    backend: v.backend as HarnessOptions['backend'],
    ...opts,
  };
  const optional = {
    checkpointDir: v['checkpoint-dir'] ?? penv.checkpointDir,
    resumeFrom: v['resume-from'] ?? penv.resumeFrom,
    eventsPath: v.events ?? penv.eventsPath,
    jobId: penv.jobId,
    lossLogPath: v['loss-log'],
    pauseAtStep,
  };
  for (const [key, value] of Object.entries(optional)) if (value !== undefined) Object.assign(options, { [key]: value });
  return options;
}

/** Writes `line` and exits at once when it is flushed: nothing left to wait for once the checkpoint is written. */
function finish(line: string, stream: NodeJS.WriteStream, code: ExitCode): void {
  stream.write(line + '\n', () => process.exit(code));
}

async function main(): Promise<void> {
  try {
    const result = await runHarness(parseTrainerArgs(process.argv.slice(2)));
    finish(JSON.stringify(result), process.stdout, ExitCode.Ok);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const usage = typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
    finish(`train-gru: ${err instanceof CarbondError || usage ? (err as Error).message : String((err as Error).stack ?? err)}`, process.stderr, usage ? ExitCode.Usage : exitCodeOf(err));
  }
}

if (require.main === module) void main();
