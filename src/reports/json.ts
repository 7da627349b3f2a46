/** The report as JSON (the model as it is: every other format is derived from the same numbers). */
import type { Report } from './model';

export function renderJson(report: Report): string {
  return JSON.stringify(report, null, 2) + '\n';
}
