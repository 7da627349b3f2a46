/**
 * The report model: what every format (JSON, CSV, Markdown, HTML, CodeCarbon) renders.
 * Plain JSON-able data; times are ISO-8601 UTC strings; figures are rounded once
 * (see `figures.ts`) so every format prints identical numbers.
 */
import type { JobState } from '../accounting/rows';
import type { SciFigure } from '../accounting/sci';
import type { SourceShare } from '../accounting/tally';
import type { ChartData } from './chart-data';
import type { DeadlineOutcome, DeadlineSummary } from './deadlines';
import type { Figures } from './figures';
import type { LogEntry } from './log';
import type { Method } from './method';
import type { Breakdown, Trend, ZoneUse } from './summary';

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
  /** The job's deadline, ISO UTC, and how it went (see `deadlineOf`). */
  deadline: string;
  deadlineOutcome: DeadlineOutcome;
  /** How late, ms (finish − deadline, or now − deadline while unfinished); null when not late. */
  lateByMs: number | null;
  /** Time its runs held their GPUs, ms. */
  runningMs: number;
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
  /** Submission times of the first and last job (null without jobs). */
  firstSubmittedAt: string | null;
  lastSubmittedAt: string | null;
  groupBy: GroupBy;
  /** The signal(s) the figures are priced with, as the providers gave them: `average`, `marginal` or `average + marginal`. */
  signal: string;
  totals: Figures;
  groups: ReportGroup[];
  jobs: JobReport[];
  /** Sentences about method and caveats (provisional figures, missing data, embodied M). */
  notes: string[];
  deadlines: DeadlineSummary;
  /** Per month, or per ISO week when the period spans at most 62 days. */
  trend: Trend;
  /** By every tag key the jobs carry (project, team first), then by owner. */
  breakdowns: Breakdown[];
  /** Energy and actual emissions by the zone where the energy was used. */
  zonesUsed: ZoneUse[];
  /** One colour per zone, used by every chart. */
  zoneColours: Record<string, string>;
  method: Method;
  charts: ChartData;
}
