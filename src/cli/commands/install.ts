/**
 * `carbond install [--dry-run] [--prefix DIR] [--user]`: the group, dirs, config skeleton
 * and systemd unit for THIS carbond (the unit's ExecStart is this node and this copy's CLI).
 * System mode needs root unless `--prefix` stages the files elsewhere (packaging, tests).
 * Every action is printed with its outcome; `--dry-run` changes nothing.
 */
import type { Argv } from 'yargs';
import type { CliCommand } from '../command';

function builder(y: Argv): Argv {
  return y
    .option('dry-run', { type: 'boolean', default: false, describe: 'print every action, change nothing' })
    .option('prefix', { type: 'string', requiresArg: true, describe: 'root every path under DIR (packaging, tests); the unit still names the real paths' })
    .option('user', { type: 'boolean', default: false, describe: 'a user service (~/.config, ~/.local/state, systemctl --user)' })
    .option('json', { type: 'boolean', default: false, describe: 'print JSON for scripts' });
}

export const installCommand: CliCommand = {
  command: 'install',
  describe: 'create the group, dirs, config skeleton and systemd unit for this carbond',
  builder,
  run: async (args, ctx) => {
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { CarbondError, ExitCode } = require('../../core/errors') as typeof import('../../core/errors');
    const { installLayout, thisInstallation } = require('../../install/layout') as typeof import('../../install/layout');
    const { applyInstall, nextSteps, planInstall } = require('../../install/plan') as typeof import('../../install/plan');
    const { renderInstall } = require('../../install/render') as typeof import('../../install/render');
    /* eslint-enable @typescript-eslint/no-require-imports */
    const input = ctx.locationInput();
    const mode = args['user'] === true ? 'user' : 'system';
    const prefix = typeof args['prefix'] === 'string' ? args['prefix'] : undefined;
    if (mode === 'system' && input.uid !== 0 && prefix === undefined) {
      throw new CarbondError('E_USAGE', 'a system install needs root: run it with sudo, or use --user for a user service (or --prefix DIR to stage the files)', ExitCode.Usage);
    }
    const layout = installLayout({ mode, env: input.env, cwd: input.cwd, ...(input.homeDir ? { homeDir: input.homeDir } : {}), ...(prefix !== undefined ? { prefix } : {}) });
    const installation = thisInstallation();
    const actions = planInstall(layout, installation);
    const dryRun = args['dryRun'] === true;
    if (!dryRun) applyInstall(actions);
    const data = { dryRun, mode, prefix: layout.prefix, execStart: [installation.nodePath, installation.cliPath, 'daemon'], actions: actions.map(({ content: _c, ...a }) => a), next: nextSteps(layout) };
    return { data, text: () => renderInstall(data) };
  },
};
