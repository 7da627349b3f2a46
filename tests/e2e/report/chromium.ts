/** Headless Chromium for the report's browser tests: found on PATH, or null (tests skip unless CI=true). */
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

function findChromium(): string | null {
  for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
    try {
      return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || null;
    } catch {
      // not this one
    }
  }
  return null;
}

export const CHROMIUM = findChromium();
export const IN_CI = process.env['CI'] === 'true' || process.env['CI'] === '1';

/** Runs headless Chromium with a fresh profile under `dir`. */
export function chromium(args: string[], dir: string): Promise<{ stdout: string; stderr: string; code: number }> {
  const profile = fs.mkdtempSync(path.join(dir, 'profile-'));
  const base = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--enable-logging=stderr', `--user-data-dir=${profile}`];
  return new Promise((resolve) => {
    execFile(CHROMIUM as string, [...base, ...args], { timeout: 60_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ stdout, stderr, code: err ? ((err as { code?: number }).code ?? 1) : 0 });
    });
  });
}

/** `pdftotext` (poppler-utils), or null. */
export const PDFTOTEXT = ((): string | null => {
  try {
    return execFileSync('sh', ['-c', 'command -v pdftotext'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
})();
