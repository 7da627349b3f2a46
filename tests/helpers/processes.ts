/**
 * Spawning the BUILT carbond (dist/, `npm run build` first) and always stopping it:
 * every child started here is tracked, and `killAll()` (call it in afterEach) kills
 * whatever is still alive.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const CARBOND_BIN = path.join(REPO_ROOT, 'bin', 'carbond');
const BUILT_MAIN = path.join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');

/** Throws a clear message when the CLI has not been built. */
export function requireBuilt(): void {
  if (!fs.existsSync(BUILT_MAIN)) throw new Error(`${BUILT_MAIN} is missing: run npm run build first (npm test does)`);
}

const live = new Set<ChildProcess>();

/**
 * An environment for a child carbond that cannot see the developer's setup: no CARBOND_*
 * or NOTIFY_SOCKET from the parent, XDG dirs and the config file under `dir` (the config
 * file is created empty unless `configText` says otherwise).
 */
export function isolatedEnv(dir: string, extra: NodeJS.ProcessEnv = {}, configText = ''): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('CARBOND_') && k !== 'NOTIFY_SOCKET' && !k.startsWith('XDG_')) env[k] = v;
  const config = path.join(dir, 'config.toml');
  if (!fs.existsSync(config)) fs.writeFileSync(config, configText);
  return { ...env, XDG_CONFIG_HOME: path.join(dir, 'xdg-config'), XDG_STATE_HOME: path.join(dir, 'xdg-state'), CARBOND_CONFIG: config, ...extra };
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  wallMs: number;
}

/** Runs `carbond ARGS` to completion (killed after `timeoutMs`). */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs = 15_000): Promise<CliResult> {
  const child = spawnCarbond(args, env);
  const started = Date.now();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.process.kill('SIGKILL'), timeoutMs);
    child.process.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: child.stdout(), stderr: child.stderr(), wallMs: Date.now() - started });
    });
  });
}

export interface SpawnedCarbond {
  process: ChildProcess;
  pid: number;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or signal) once the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `carbond ARGS` (e.g. the daemon) in the background; tracked for `killAll`. */
export function spawnCarbond(args: readonly string[], env: NodeJS.ProcessEnv): SpawnedCarbond {
  requireBuilt();
  const child = spawn(process.execPath, [CARBOND_BIN, ...args], { env, cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { err += d.toString(); });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('close', (code, signal) => { live.delete(child); resolve({ code, signal }); });
  });
  return { process: child, pid: child.pid as number, stdout: () => out, stderr: () => err, exited };
}

/** Resolves with the exit once the child exits, or rejects after `timeoutMs`. */
export function exitWithin(child: SpawnedCarbond, timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return Promise.race([
    child.exited,
    new Promise<never>((_r, reject) => setTimeout(() => reject(new Error(`pid ${child.pid} did not exit within ${timeoutMs} ms`)), timeoutMs).unref()),
  ]);
}

/** Kills every child still alive (SIGKILL) and waits for them. Call in afterEach. */
export async function killAll(): Promise<void> {
  const waits = [...live].map((c) => new Promise<void>((resolve) => {
    if (c.exitCode !== null || c.signalCode !== null) { live.delete(c); resolve(); return; }
    c.once('close', () => resolve());
    c.kill('SIGKILL');
  }));
  await Promise.all(waits);
  live.clear();
}
