/**
 * `--format pdf`: the HTML report printed by headless Chromium (A4, the page size the report's
 * print CSS asks for). Without a Chromium on PATH (or `CARBOND_CHROMIUM`), a clear error,
 * exit 1 (`E_PDF_UNAVAILABLE`): carbond does not ship a browser.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CarbondError, ExitCode } from '../core/errors';

/** Browsers tried, in order, on PATH. */
export const CHROMIUM_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'] as const;

/** Printing the PDF is not possible here (no Chromium) or failed. Exit 1. */
export class PdfError extends CarbondError {
  constructor(message: string, code = 'E_PDF', options: { cause?: unknown } = {}) {
    super(code, message, ExitCode.Failure, options);
  }
}

/** The Chromium to print with: `CARBOND_CHROMIUM`, else the first of `CHROMIUM_NAMES` on PATH; null when none. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | null {
  const explicit = env['CARBOND_CHROMIUM'];
  if (explicit) return fs.existsSync(explicit) ? explicit : null;
  for (const dir of (env['PATH'] ?? '').split(path.delimiter).filter(Boolean)) {
    for (const name of CHROMIUM_NAMES) {
      const file = path.join(dir, name);
      try {
        fs.accessSync(file, fs.constants.X_OK);
        return file;
      } catch {
        // not here
      }
    }
  }
  return null;
}

/** How long Chromium may take to print, ms. */
export const PRINT_TIMEOUT_MS = 120_000;

/** Prints `html` to a PDF with headless Chromium and returns its bytes. @throws PdfError */
export async function printPdf(html: string, env: NodeJS.ProcessEnv = process.env): Promise<Buffer> {
  const chromium = findChromium(env);
  if (chromium === null) {
    throw new PdfError(`--format pdf needs headless Chromium to print the HTML report, and none was found (tried $CARBOND_CHROMIUM, then ${CHROMIUM_NAMES.join(', ')} on PATH). ` +
      'Install it (e.g. apt-get install -y chromium), or use --format html and print that.', 'E_PDF_UNAVAILABLE');
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbond-pdf-'));
  try {
    const htmlFile = path.join(dir, 'report.html');
    const pdfFile = path.join(dir, 'report.pdf');
    fs.writeFileSync(htmlFile, html);
    const args = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-pdf-header-footer', '--print-to-pdf-no-header', `--user-data-dir=${path.join(dir, 'profile')}`, `--print-to-pdf=${pdfFile}`, `file://${htmlFile}`];
    await new Promise<void>((resolve, reject) => {
      execFile(chromium, args, { timeout: PRINT_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 }, (err, _stdout, stderr) => {
        if (err || !fs.existsSync(pdfFile)) reject(new PdfError(`${chromium} could not print the report: ${err?.message ?? 'no PDF written'} ${String(stderr).slice(-500)}`, 'E_PDF', { cause: err }));
        else resolve();
      });
    });
    return fs.readFileSync(pdfFile);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
