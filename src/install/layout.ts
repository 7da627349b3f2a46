/**
 * Where `carbond install` puts things, per mode (the same paths src/config/locations
 * resolves, so the daemon finds what was installed), and where this carbond lives (for the
 * unit's ExecStart). `--prefix DIR` roots every path under DIR, like DESTDIR in packaging:
 * the unit's contents still name the real paths.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_SOCKET_GROUP } from '../config/load';
import { modeDefaults } from '../config/locations';
import type { InstallMode } from './unit';

/** Modes (ADR 0012): a root daemon's state dir is 0711, a user daemon's 0700; the config may hold tokens. */
export const MODES = {
  system: { configDir: 0o755, configFile: 0o600, stateDir: 0o711, unitFile: 0o644 },
  user: { configDir: 0o700, configFile: 0o600, stateDir: 0o700, unitFile: 0o644 },
} as const;

export interface InstallLayout {
  mode: InstallMode;
  /** `--prefix`, absolute; null when installing for real. */
  prefix: string | null;
  /** The socket's group (system mode), created when missing; null in user mode. */
  group: string | null;
  /** Paths as the running daemon sees them (no prefix). */
  configPath: string;
  stateDir: string;
  unitPath: string;
}

export interface LayoutInput {
  mode: InstallMode;
  prefix?: string;
  env: Readonly<Record<string, string | undefined>>;
  homeDir?: string;
  cwd: string;
}

export function installLayout(input: LayoutInput): InstallLayout {
  const home = input.homeDir ?? os.homedir();
  const defaults = modeDefaults(input.mode, input.env, home);
  const configHome = input.env['XDG_CONFIG_HOME'] || path.join(home, '.config');
  return {
    mode: input.mode,
    prefix: input.prefix === undefined ? null : path.resolve(input.cwd, input.prefix),
    group: input.mode === 'system' ? DEFAULT_SOCKET_GROUP : null,
    configPath: defaults.configPath,
    stateDir: defaults.stateDir,
    unitPath: input.mode === 'system' ? '/etc/systemd/system/carbond.service' : path.join(configHome, 'systemd', 'user', 'carbond.service'),
  };
}

/** Where `p` (a path the daemon sees) is written: under the prefix when there is one. */
export function onDisk(layout: InstallLayout, p: string): string {
  return layout.prefix === null ? p : path.join(layout.prefix, p);
}

/** The directory of carbond's package.json (`carbond` by name), walking up from this file. */
export function packageDir(from = __dirname): string {
  let dir = from;
  for (let i = 0; i < 8; i += 1) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file) && (JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string }).name === 'carbond') return dir;
    dir = path.dirname(dir);
  }
  throw new Error(`cannot find carbond's package.json above ${from}`);
}

/** This installation: the node running now and the real path of this copy's `bin/carbond`. */
export function thisInstallation(): { nodePath: string; cliPath: string; packageDir: string } {
  const pkg = fs.realpathSync(packageDir());
  return { nodePath: process.execPath, cliPath: fs.realpathSync(path.join(pkg, 'bin', 'carbond')), packageDir: pkg };
}
