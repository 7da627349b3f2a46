/** Helpers for tests that run protocol jobs as real child processes. */
import { spawn } from 'node:child_process';
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { JobEvent } from '../../../checkpoints/protocol';
import { parseEvents } from '../../../checkpoints/protocol';

export const REPO = path.resolve(__dirname, '../../..');
export const TRAINER = path.join(REPO, 'dist/checkpoints/demo/train-gru.js');
export const PY_JOB = path.join(REPO, 'examples/python/protocol_job.py');

export interface Child {
  proc: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

export function start(cmd: string, args: string[], options: SpawnOptions = {}): Child {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  let err = '';
  proc.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  proc.stdout?.resume();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  return { proc, exited, stderr: () => err };
}

export function eventsOf(file: string): JobEvent[] {
  if (!fs.existsSync(file)) return [];
  return parseEvents(fs.readFileSync(file)).events.map((e) => e.event);
}

/** Polls `probe` every 25 ms until it is true, or throws after `timeoutMs`. */
export async function waitFor(what: string, probe: () => boolean, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Kills a child that is still running (test cleanup). */
export function killIfRunning(child: Child | undefined): void {
  if (child && child.proc.exitCode === null && child.proc.signalCode === null) child.proc.kill('SIGKILL');
}
