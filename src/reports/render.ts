/** One entry point for every format: `renderReport(report, format)`. */
import { renderCharts } from './charts';
import { renderCodeCarbon } from './codecarbon';
import { renderCsv } from './csv';
import { renderHtml } from './html';
import { renderJson } from './json';
import { renderMarkdown } from './markdown';
import type { Report } from './model';

export const REPORT_FORMATS = ['json', 'csv', 'md', 'html', 'codecarbon'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export async function renderReport(report: Report, format: ReportFormat): Promise<string> {
  switch (format) {
    case 'json': return renderJson(report);
    case 'csv': return renderCsv(report);
    case 'md': return renderMarkdown(report);
    case 'html': return renderHtml(report, await renderCharts(report));
    case 'codecarbon': return renderCodeCarbon(report);
  }
}
