/** One entry point for every format: `renderReport(report, format)`; `pdf` is the HTML printed (see `renderReportBytes`). */
import { renderCharts } from './charts';
import { renderCodeCarbon } from './codecarbon';
import { renderCsv } from './csv';
import { renderHtml } from './html';
import { renderJson } from './json';
import { renderMarkdown } from './markdown';
import type { Report } from './model';
import { printPdf } from './pdf';

/** The text formats. */
export const REPORT_FORMATS = ['json', 'csv', 'md', 'html', 'codecarbon'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];
/** Every format `carbond report` writes: the text formats and `pdf`. */
export const OUTPUT_FORMATS = [...REPORT_FORMATS, 'pdf'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Any format as bytes: the text formats in UTF-8, `pdf` printed by headless Chromium (throws `PdfError` without one). */
export async function renderReportBytes(report: Report, format: OutputFormat): Promise<Buffer> {
  if (format === 'pdf') return printPdf(await renderReport(report, 'html'));
  return Buffer.from(await renderReport(report, format), 'utf8');
}

export async function renderReport(report: Report, format: ReportFormat): Promise<string> {
  switch (format) {
    case 'json': return renderJson(report);
    case 'csv': return renderCsv(report);
    case 'md': return renderMarkdown(report);
    case 'html': return renderHtml(report, await renderCharts(report));
    case 'codecarbon': return renderCodeCarbon(report);
  }
}
