/**
 * `npm run bench:cli`: how fast `carbond status` answers compared with starting node
 * itself, and how much memory an idle daemon holds.
 *  - wall time, median of 20 runs each, interleaved with `node -e 0`: `carbond status` with no daemon (reads the
 *    ledger read-only), `carbond status` with a daemon (asks it over the socket);
 *  - the daemon's VmRSS (from /proc/PID/status) after 60 s idle (BENCH_RSS_WAIT_MS overrides).
 * Targets (issue 2): status ≤ 2× node start; idle daemon RSS ≤ 80 MB.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const RUNS = 20;
const ROOT = path.resolve(__dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'carbond');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

function timeOnce(args: string[], env: NodeJS.ProcessEnv): number {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr.toString()}`);
  return Number(process.hrtime.bigint() - t) / 1e6;
}

/**
 * Medians of `RUNS` runs of `node -e 0` and of `args`, interleaved (node, carbond, node,
 * carbond, …) so that load from other processes weighs on both alike.
 */
function timePair(args: string[], env: NodeJS.ProcessEnv): { nodeMs: number; carbondMs: number } {
  const node: number[] = [];
  const carbond: number[] = [];
  for (let i = 0; i < RUNS; i += 1) {
    node.push(timeOnce(['-e', '0'], env));
    carbond.push(timeOnce(args, env));
  }
  return { nodeMs: median(node), carbondMs: median(carbond) };
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function waitForFile(file: string, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!fs.existsSync(file)) {
    if (Date.now() > end) throw new Error(`no ${file} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function main(): Promise<void> {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'src', 'cli', 'main.js'))) throw new Error('run npm run build first');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbond-bench-'));
  const state = path.join(dir, 'state');
  fs.writeFileSync(path.join(dir, 'config.toml'), '');
  const env: NodeJS.ProcessEnv = { ...process.env, CARBOND_CONFIG: path.join(dir, 'config.toml'), CARBOND_STATE_DIR: state };
  delete env['NOTIFY_SOCKET'];
  const waitMs = Number(process.env['BENCH_RSS_WAIT_MS'] ?? 60_000);
  const daemon = spawn(process.execPath, [BIN, 'daemon'], { env, stdio: ['ignore', 'ignore', 'ignore'] });
  try {
    const started = Date.now();
    await waitForFile(path.join(state, 'carbond.sock'), 10_000);
    const live = timePair([BIN, 'status', '--json'], env);
    await new Promise((r) => setTimeout(r, Math.max(0, waitMs - (Date.now() - started))));
    const rss = rssMiB(daemon.pid as number);
    daemon.kill('SIGTERM');
    await new Promise((r) => daemon.once('close', r));
    const down = timePair([BIN, 'status', '--json'], env);
    const ratio = (p: { nodeMs: number; carbondMs: number }): number => p.carbondMs / p.nodeMs;
    const verdict = (p: { nodeMs: number; carbondMs: number }): string => (ratio(p) <= 2 ? 'ok (≤ 2×)' : 'OVER 2×');
    const rows: Array<[string, string, string, string]> = [
      ['node -e 0 (daemon phase)', `${live.nodeMs.toFixed(1)} ms`, '1.00×', ''],
      ['carbond status, daemon running', `${live.carbondMs.toFixed(1)} ms`, `${ratio(live).toFixed(2)}×`, verdict(live)],
      ['node -e 0 (no-daemon phase)', `${down.nodeMs.toFixed(1)} ms`, '1.00×', ''],
      ['carbond status, no daemon (ledger)', `${down.carbondMs.toFixed(1)} ms`, `${ratio(down).toFixed(2)}×`, verdict(down)],
      [`idle daemon RSS after ${(waitMs / 1000).toFixed(0)} s`, `${rss.toFixed(1)} MiB`, '', rss <= 80 ? 'ok (≤ 80 MB)' : 'OVER 80 MB'],
    ];
    const w = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i]!.length), ['measure', 'value', 'ratio', 'target'][i]!.length));
    const line = (r: readonly string[]): string => r.map((c, i) => c.padEnd(w[i]!)).join('  ');
    console.log(line(['measure', 'value', 'ratio', 'target']));
    for (const r of rows) console.log(line(r));
  } finally {
    if (daemon.exitCode === null) daemon.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
