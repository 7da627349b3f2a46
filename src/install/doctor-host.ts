/**
 * Doctor checks of the box around carbond: providers reachable (one request each, short
 * timeout), `nvidia-smi`, RAPL under /sys/class/powercap, Slurm's commands when a site
 * uses Slurm, and the clock's synchronisation.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Config, ProviderConfig } from '../config/types';
import type { CheckResult, CommandResult } from './doctor';

export type Run = (cmd: string, args: readonly string[], timeoutMs: number) => Promise<CommandResult>;

/** Per provider request, ms: reachability, not a full fetch. */
export const PROBE_TIMEOUT_MS = 3_000;

/**
 * One GET to the provider's base URL: any HTTP answer (even 401 or 404) means the network
 * path works; the adapters' own auth and parsing are `carbond forecast`'s to show.
 */
async function providerCheck(name: string, p: ProviderConfig, timeoutMs: number): Promise<CheckResult> {
  const id = `provider ${name}`;
  if (p.type === 'static') return { name: id, status: 'ok', detail: `static yearly average for ${p.country} (no network)` };
  if (p.type === 'file') {
    const missing = [p.path, p.forecastPath].filter((f): f is string => f !== undefined && !fs.existsSync(f));
    if (missing.length) return { name: id, status: 'fail', detail: `trace file missing: ${missing.join(', ')}`, fix: `fix providers.${name}.path in the config` };
    return { name: id, status: 'ok', detail: `trace ${p.path}` };
  }
  const started = performance.now();
  try {
    const res = await fetch(p.baseUrl, { method: 'GET', signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    void res.body?.cancel();
    return { name: id, status: 'ok', detail: `${p.baseUrl} answers (HTTP ${res.status}, ${Math.round(performance.now() - started)} ms)` };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    const why = e.name === 'TimeoutError' ? `no answer in ${timeoutMs} ms` : e.cause?.code ?? e.cause?.message ?? e.message;
    return { name: id, status: 'warn', detail: `${p.baseUrl} unreachable: ${why}`, fix: 'check DNS, proxy and firewall for outbound HTTPS; zones fall back to the next provider or the static estimate' };
  }
}

export function providerChecks(config: Config, timeoutMs = PROBE_TIMEOUT_MS): Promise<CheckResult[]> {
  const entries = Object.entries(config.providers);
  if (!entries.length) return Promise.resolve([{ name: 'providers', status: 'warn', detail: 'no providers configured: every zone uses the static yearly estimate', fix: 'add [providers.NAME] and list it in [zones.ZONE] providers' }]);
  return Promise.all(entries.map(([name, p]) => providerCheck(name, p, timeoutMs)));
}

export async function gpuCheck(run: Run): Promise<CheckResult> {
  const r = await run('nvidia-smi', ['--query-gpu=name', '--format=csv,noheader'], 5_000);
  if (r.missing) return { name: 'nvidia-smi', status: 'warn', detail: 'not installed: GPU power is estimated from sites.*.gpuPowerW', fix: 'install the NVIDIA driver utilities on GPU boxes' };
  if (!r.ok) return { name: 'nvidia-smi', status: 'fail', detail: `present but failed: ${r.error}`, fix: 'check the NVIDIA driver (nvidia-smi must run as the daemon\'s user)' };
  const gpus = r.stdout.split('\n').map((l) => l.trim()).filter(Boolean);
  return { name: 'nvidia-smi', status: 'ok', detail: `${gpus.length} ${gpus.length === 1 ? 'GPU' : 'GPUs'}${gpus.length ? `: ${[...new Set(gpus)].join(', ')}` : ''}` };
}

/** RAPL energy counters: `<powercap>/intel-rapl:N/energy_uj` (root-only since Linux 5.10). */
export function raplCheck(powercapDir = '/sys/class/powercap'): CheckResult {
  let zones: string[] = [];
  try {
    zones = fs.readdirSync(powercapDir).filter((d) => /^intel-rapl:\d+$/.test(d));
  } catch {
    // no powercap at all (VMs, containers)
  }
  if (!zones.length) return { name: 'rapl', status: 'warn', detail: `no RAPL domains in ${powercapDir}: CPU power is estimated from sites.*.cpuPowerW`, fix: 'none needed on VMs; on bare metal load intel_rapl_common' };
  const unreadable = zones.filter((z) => {
    try {
      fs.readFileSync(path.join(powercapDir, z, 'energy_uj'));
      return false;
    } catch {
      return true;
    }
  });
  if (unreadable.length) return { name: 'rapl', status: 'warn', detail: `${unreadable.length} of ${zones.length} RAPL domains unreadable (energy_uj is root-only)`, fix: 'run the daemon as root (the system service does)' };
  return { name: 'rapl', status: 'ok', detail: `${zones.length} RAPL ${zones.length === 1 ? 'domain' : 'domains'} readable` };
}

const SLURM_COMMANDS = ['sbatch', 'squeue', 'sacct', 'scontrol', 'scancel'];

export async function slurmCheck(config: Config, run: Run): Promise<CheckResult> {
  const sites = Object.entries(config.sites).filter(([, s]) => s.executor === 'slurm').map(([n]) => n);
  if (!sites.length) return { name: 'slurm', status: 'skip', detail: 'no site uses the Slurm executor' };
  const missing: string[] = [];
  for (const cmd of SLURM_COMMANDS) if ((await run(cmd, ['--version'], 5_000)).missing) missing.push(cmd);
  if (missing.length) return { name: 'slurm', status: 'fail', detail: `sites ${sites.join(', ')} use Slurm, but ${missing.join(', ')} not found`, fix: 'install the Slurm client commands (Debian: slurm-client) on this box' };
  const ping = await run('scontrol', ['ping'], 5_000);
  if (!ping.ok) return { name: 'slurm', status: 'fail', detail: `scontrol ping failed: ${ping.error}`, fix: 'check slurmctld and this box\'s slurm.conf' };
  return { name: 'slurm', status: 'ok', detail: `commands present, controller answers (sites ${sites.join(', ')})` };
}

export async function clockCheck(run: Run): Promise<CheckResult> {
  const r = await run('timedatectl', ['show', '-p', 'NTPSynchronized', '--value'], 3_000);
  if (r.missing) return { name: 'clock', status: 'skip', detail: 'timedatectl not installed: synchronisation not checked' };
  if (!r.ok) return { name: 'clock', status: 'skip', detail: `timedatectl cannot tell (${r.error})` };
  if (r.stdout.trim() === 'yes') return { name: 'clock', status: 'ok', detail: 'synchronised (NTP)' };
  return { name: 'clock', status: 'warn', detail: 'not synchronised: plans and deadlines use this clock', fix: 'timedatectl set-ntp true (or run chrony/ntpd)' };
}
