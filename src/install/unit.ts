/**
 * The systemd unit of carbond, as a template `carbond install` fills for THIS installation:
 * ExecStart is the node that runs the installer (`process.execPath`) and the real path of
 * this copy's CLI entry, so the unit starts the carbond that was installed, wherever npm
 * put it. `packaging/carbond.service` is this template rendered for a sample layout (a
 * test keeps the two equal).
 */

export type InstallMode = 'system' | 'user';

export interface UnitValues {
  mode: InstallMode;
  /** Absolute path of the node binary. */
  nodePath: string;
  /** Absolute real path of carbond's CLI entry (`<package>/bin/carbond`). */
  cliPath: string;
  /** Absolute path of the package (for `Documentation=`). */
  packageDir: string;
}

/** The layout the sample in packaging/ is rendered for: a global npm install with Debian's node. */
export const SAMPLE_UNIT_VALUES: UnitValues = {
  mode: 'system',
  nodePath: '/usr/bin/node',
  cliPath: '/usr/lib/node_modules/carbond/bin/carbond',
  packageDir: '/usr/lib/node_modules/carbond',
};

/**
 * One ExecStart word: bare when it has only safe characters, else double-quoted with `\`
 * and `"` escaped (systemd.syntax(7)); `%` is doubled, `$` too (systemd expands both).
 * @throws Error for a control character (a newline would end the directive)
 */
export function unitWord(word: string): string {
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(word)) throw new Error(`cannot put a path with a control character into a unit: ${JSON.stringify(word)}`);
  const escaped = word.replace(/%/g, '%%').replace(/\$/g, '$$$$');
  if (/^[A-Za-z0-9_./@+:=,-]+$/.test(escaped)) return escaped;
  return `"${escaped.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** The unit file's text for `values`. */
export function renderUnit(values: UnitValues): string {
  const system = values.mode === 'system';
  const exec = [values.nodePath, values.cliPath, 'daemon'].map(unitWord).join(' ');
  const lines = [
    `# carbond as a ${system ? 'system' : 'user'} service, written by \`carbond install${system ? '' : ' --user'}\` for the carbond in`,
    `# ${values.packageDir}. Re-run \`carbond install\` after moving or upgrading node or carbond;`,
    `# put local changes in a drop-in (\`systemctl${system ? '' : ' --user'} edit carbond\`), not here.`,
    '[Unit]',
    'Description=carbond carbon-aware training scheduler',
    `Documentation=file://${encodeURI(values.packageDir)}/README.md`,
    'After=network-online.target',
    'Wants=network-online.target',
    '',
    '[Service]',
    'Type=notify',
    '# systemd-notify is a child of carbond, so readiness must be accepted from any process of the unit.',
    'NotifyAccess=all',
    `ExecStart=${exec}`,
    ...(system
      ? [
        '# /run/carbond (socket), /var/lib/carbond (ledger, checkpoints; 0711 as ADR 0012 wants for a',
        '# root daemon) and /etc/carbond, with the owners and modes carbond itself checks.',
        'RuntimeDirectory=carbond',
        'RuntimeDirectoryMode=0755',
        'StateDirectory=carbond',
        'StateDirectoryMode=0711',
        'ConfigurationDirectory=carbond',
      ]
      : [
        '# ~/.local/state/carbond (ledger, checkpoints) and ~/.config/carbond, 0700; the socket is',
        '# $XDG_RUNTIME_DIR/carbond.sock.',
        'StateDirectory=carbond',
        'StateDirectoryMode=0700',
        'ConfigurationDirectory=carbond',
        'ConfigurationDirectoryMode=0700',
      ]),
    '# Graceful stop: SIGTERM finishes the current tick, checkpoints and pauses running jobs,',
    '# closes the socket and the ledger. Give jobs time to checkpoint (scheduler.checkpointTimeout).',
    '# KillMode=process: only carbond is signalled. Jobs are in this unit\'s cgroup; suspend-mode',
    '# jobs outlive a stop, and every job outlives a crash, to be re-adopted at the next start',
    '# (docs/run-control.md). mixed or control-group would SIGKILL them when carbond exits.',
    'KillSignal=SIGTERM',
    'KillMode=process',
    'TimeoutStopSec=180',
    'TimeoutStartSec=60',
    'Restart=on-failure',
    'RestartSec=5s',
    '# Exit 2 = bad configuration: restarting will not help.',
    'RestartPreventExitStatus=2',
    ...(system
      ? [
        '# Training jobs run as the users who submitted them, so carbond runs as root; it only',
        '# needs the paths above.',
        'ProtectSystem=full',
        'PrivateTmp=false',
      ]
      : []),
    'LimitNOFILE=65536',
    '',
    '[Install]',
    `WantedBy=${system ? 'multi-user.target' : 'default.target'}`,
    '',
  ];
  return lines.join('\n');
}
