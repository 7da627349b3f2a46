/**
 * `carbond doctor [--json]`: checks that this box can run carbond (see src/install/doctor.ts).
 * Exit 0 when nothing failed (warnings included), 1 when a check failed.
 */
import type { CliCommand } from '../command';
import { withJson } from '../command';

export const doctorCommand: CliCommand = {
  command: 'doctor',
  describe: 'check config, state dir, socket, providers, GPUs, RAPL, Slurm, clock and disk; a fix for each problem',
  builder: withJson,
  run: async (_args, ctx) => {
    /* eslint-disable @typescript-eslint/no-require-imports */
    const d = require('../../install/doctor') as typeof import('../../install/doctor');
    const local = require('../../install/doctor-local') as typeof import('../../install/doctor-local');
    const host = require('../../install/doctor-host') as typeof import('../../install/doctor-host');
    const { configFileOf } = require('../../config/locations') as typeof import('../../config/locations');
    const { socketGidOf } = require('../../daemon/state-files') as typeof import('../../daemon/state-files');
    const { callDaemon } = require('../daemon-client') as typeof import('../daemon-client');
    const { native } = require('../../os/native') as typeof import('../../os/native');
    /* eslint-enable @typescript-eslint/no-require-imports */
    const input = ctx.locationInput();
    const { result: configResult, config } = local.configCheck(() => ctx.config(), configFileOf(input).path);
    const where = config ?? ctx.locations();
    const group = config ? config.socketGroup : where.mode === 'system' ? 'carbond' : null;
    const gidOf = (name: string): number | undefined => socketGidOf(name, false, () => undefined);
    const answers = async (socketPath: string): Promise<string | null> => {
      try {
        const s = await callDaemon<{ daemon: { pid: number | null; version: string | null } }>(socketPath, { path: '/v1/status', timeoutMs: 1_500 });
        return `daemon pid ${s.daemon.pid} answers (version ${s.daemon.version})`;
      } catch {
        return null;
      }
    };
    const noConfig = (name: string): import('../../install/doctor').CheckResult => ({ name, status: 'skip', detail: 'the config is invalid: not checked' });
    const [socket, providers, gpu, slurm, clock] = await Promise.all([
      local.socketCheck(where, group !== null && gidOf(group) !== undefined, answers),
      config ? host.providerChecks(config) : Promise.resolve([noConfig('providers')]),
      host.gpuCheck(d.runCommand),
      config ? host.slurmCheck(config, d.runCommand) : Promise.resolve(noConfig('slurm')),
      host.clockCheck(d.runCommand),
    ]);
    const checks = [
      configResult, local.stateDirCheck(where.stateDir ? where : ctx.locations(), input.uid), socket, local.groupCheck(group, gidOf),
      local.diskCheck(where.stateDir), config ? local.checkpointRootsCheck(config, input.uid) : noConfig('checkpoint-roots'),
      local.nativeCheck(native, input.uid === 0), ...providers, gpu, host.raplCheck(), slurm, clock,
    ];
    const report = d.doctorReport(checks);
    return { data: report, text: () => d.renderDoctor(report), exitCode: report.ok ? 0 : 1 };
  },
};
