/**
 * `carbond show JOB [--json]`: one job — state, runs, transitions with reasons,
 * checkpoints, the plan's latest decisions. Reads the ledger when the daemon is down.
 */
import type { Argv } from 'yargs';
import { withJson, type CliCommand, type CommandArgs, type CommandOutput } from '../command';
import type { CliContext } from '../context';
import { formatDurationMs } from '../../core/units';
import type { jobDetail, jobSummaries } from '../../daemon/jobs/views';

export type JobDetailView = NonNullable<ReturnType<typeof jobDetail>>;
export type JobSummaryView = ReturnType<typeof jobSummaries>[number];

/** Asks the daemon; when none answers, reads the ledger read-only (`read`) and says so. */
export async function fromDaemonOrLedger<T>(ctx: CliContext, path: string, read: (db: import('../../ledger/db').Db) => T): Promise<{ data: T; note?: string }> {
  const { callDaemon, DaemonUnavailableError } = await import('../daemon-client');
  const where = ctx.locations();
  try {
    return { data: await callDaemon<T>(where.socketPath, { path }) };
  } catch (err) {
    if (!(err instanceof DaemonUnavailableError)) throw err;
  }
  const fs = await import('node:fs');
  const { openLedger } = await import('../../ledger/db');
  if (!fs.existsSync(where.ledgerPath)) return { data: read(openLedger(':memory:', { nowMs: ctx.clock.now() })), note: 'daemon not running; no ledger yet' };
  const db = openLedger(where.ledgerPath, { readonly: true, nowMs: ctx.clock.now() });
  try {
    return { data: read(db), note: 'daemon not running: read from the ledger' };
  } finally {
    db.close();
  }
}

/** ` — MISSED: finished 1h 37m late` (or `… late so far` while unfinished); '' when on time. */
export function lateText(j: Pick<JobSummaryView, 'state' | 'deadlineMissed' | 'lateByMs'>): string {
  if (!j.deadlineMissed || j.lateByMs === null) return '';
  return j.state === 'finished' ? ` — MISSED: finished ${formatDurationMs(j.lateByMs)} late` : ` — MISSED: ${formatDurationMs(j.lateByMs)} late so far`;
}

interface TransferView { fromSite: string; toSite: string; step: number; bytes: number; startedAt: string; seconds: number; outcome: string; error: string | null }

/** `checkpoint copies:` lines, one per copy to another site's storage (none: no lines). */
function transferLines(transfers: readonly TransferView[] | undefined): string[] {
  if (!transfers || transfers.length === 0) return [];
  return ['checkpoint copies:', ...transfers.map((t) => `  ${t.startedAt}  ${t.fromSite} → ${t.toSite}  step ${t.step}  ${formatBytes(t.bytes)} in ${t.seconds.toFixed(1)} s  ${t.outcome}${t.error ? `: ${t.error}` : ''}`)];
}

function formatBytes(bytes: number): string {
  return bytes >= 1_048_576 ? `${(bytes / 1_048_576).toFixed(1)} MiB` : `${bytes} B`;
}

/** Text for people. */
export function renderDetail(d: JobDetailView): string {
  const lines = [
    `${d.id}  ${d.name}  (${d.owner})`,
    `state     ${d.state}${d.manualOverride ? ` (manual ${d.manualOverride}; release with: carbond resume ${d.id} --auto)` : ''}`,
    `progress  step ${d.step}${d.totalSteps ? ` of ${d.totalSteps}` : ''}; last verified checkpoint: ${d.lastVerifiedStep ?? 'none'}`,
    `deadline  ${d.deadline}${lateText(d)}`,
    `pauses    ${d.pauses}; moves to another site ${d.moves}`,
    `command   ${d.job.command.join(' ')}`,
    ...(d.warnings ?? []).map((w) => `WARNING   ${w}`),
    '',
    'transitions:',
    ...(d.transitions as Array<{ at: string; to: string; reason: string }>).map((t) => `  ${t.at}  → ${t.to}  ${t.reason}`),
    'runs:',
    ...(d.runs as Array<{ id: number; site: string; startedAt: string; endedAt: string | null; exitKind: string | null; startStep: number; lastStep: number | null; lostSteps: number }>)
      .map((r) => `  #${r.id} ${r.site} ${r.startedAt} → ${r.endedAt ?? 'running'}  steps ${r.startStep}→${r.lastStep ?? r.startStep}  ${r.exitKind ?? ''}${r.lostSteps ? ` (${r.lostSteps} steps lost)` : ''}`),
    ...transferLines(d.transfers as TransferView[] | undefined),
  ];
  return lines.join('\n');
}

async function run(args: CommandArgs, ctx: CliContext): Promise<CommandOutput> {
  const id = String(args['job']);
  const { jobDetail: detail } = await import('../../daemon/jobs/views');
  const { data, note } = await fromDaemonOrLedger(ctx, `/v1/jobs/${encodeURIComponent(id)}`, (db) => detail(db, id, ctx.clock.now()));
  if (!data) {
    const { InputError } = await import('../../core/errors');
    throw new InputError([{ path: 'job', message: 'no such job', value: id }]);
  }
  return { data, text: (note ? `(${note})\n` : '') + renderDetail(data) };
}

export const showCommand: CliCommand = {
  command: 'show <job>',
  describe: 'show one job: state, runs, transitions, checkpoints',
  builder: (y: Argv) => withJson(y).positional('job', { type: 'string', describe: 'job id (or a unique prefix)' }),
  run,
};
