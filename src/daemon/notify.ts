/**
 * systemd readiness (`Type=notify`). Node cannot send Unix datagrams, so carbond runs
 * `systemd-notify` — only when systemd asked for it by setting `NOTIFY_SOCKET`.
 * The unit sets `NotifyAccess=all` because the message comes from that child process.
 */
import { spawn } from 'node:child_process';
import type { Logger } from '../core/logger';

/**
 * Sends `READY=1` (or another state line, e.g. `--stopping`) with `MAINPID`. Resolves
 * true when sent, false when `NOTIFY_SOCKET` is unset or `systemd-notify` failed (logged).
 */
export function sdNotify(args: readonly string[], logger: Logger, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  if (!env['NOTIFY_SOCKET']) return Promise.resolve(false);
  return new Promise((resolve) => {
    const child = spawn('systemd-notify', [...args, `--pid=${process.pid}`], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.once('error', (err) => { logger.warn('systemd-notify could not run', { err }); resolve(false); });
    child.once('close', (code) => {
      if (code !== 0) logger.warn('systemd-notify failed', { code, stderr: stderr.trim() });
      resolve(code === 0);
    });
  });
}
