/**
 * The report model: what every format (JSON, CSV, Markdown, HTML, CodeCarbon) renders.
 * Plain JSON-able data; times are ISO-8601 UTC strings; figures are rounded once
 * (see `figures.ts`) so every format prints identical numbers.
 */
import type { JobState } from '../accounting/rows';
import type { SciFigure } from '../accounting/sci';
import type { SourceShare } from '../accounting/tally';
import type { ChartData } from './chart-data';
import type { Figures } from './figures';
import type { LogEntry } from './log';

export type GroupBy = 'job' | 'owner' | 'site' | 'zone' | `tag:${string}`;

export interface JobReport {
  id: string;
  name: string;
  owner: string;
  tags: Readonly<Record<string, string>>;
  homeSite: string;
  homeZone: string;
  /** Sites the job actually ran on. */
  sites: string[];
  gpus: number;
  /** The ledger's state of the job (`cancelled` when cancelled mid-run, never guessed from its runs). */
  state: JobState;
  submittedAt: string;
  finishedAt: string | null;
  /** First and last energy sample (null without samples). */
  firstSampleAt: string | null;
  lastSampleAt: string | null;
  /** null while unfinished. */
  delayMs: number | null;
  figures: Figures;
  actualSources: SourceShare[];
  baselineSources: SourceShare[];
  sci: SciFigure;
  log: LogEntry[];
}

export interface ReportGroup {
  key: string;
  figures: Figures;
}

export interface Report {
  title: string;
  generatedAt: string;
  /** The period: jobs submitted in `[from, to)`; null = open. */
  from: string | null;
  to: string | null;
  groupBy: GroupBy;
  /** The signal figures are priced with (`average` unless asked otherwise). */
  signal: string;
  totals: Figures;
  groups: ReportGroup[];
  jobs: JobReport[];
  /** Sentences about method and caveats (provisional figures, missing data, embodied M). */
  notes: string[];
  charts: ChartData;
}
