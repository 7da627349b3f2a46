/**
 * Where carbond keeps things (DESIGN §2): system mode (root) uses /etc/carbond,
 * /var/lib/carbond and /run/carbond; user mode uses the XDG directories. This module
 * is light on purpose (no zod): `carbond status` resolves its paths with it alone.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import type { ConfigMode } from './types';

/** The environment and identity carbond resolves paths from (injected for tests). */
export interface LocationInput {
  env: Readonly<Record<string, string | undefined>>;
  /** Effective uid; 0 = system mode. */
  uid: number;
  cwd: string;
  homeDir?: string;
  /** `--config` flag. */
  configFlag?: string;
  /** `--state-dir` flag. */
  stateDirFlag?: string;
  /** `--socket` flag. */
  socketFlag?: string;
}

/** Default locations of one mode. */
export interface ModeDefaults {
  configPath: string;
  stateDir: string;
  /** A function of the final state dir: user mode without XDG_RUNTIME_DIR puts it there. */
  socketPath: (stateDir: string) => string;
}

/** The file name of the daemon socket. */
export const SOCKET_NAME = 'carbond.sock';

export function modeOf(uid: number): ConfigMode {
  return uid === 0 ? 'system' : 'user';
}

/** Default config, state and socket locations for `mode`. */
export function modeDefaults(mode: ConfigMode, env: LocationInput['env'], homeDir: string): ModeDefaults {
  if (mode === 'system') {
    return { configPath: '/etc/carbond/config.toml', stateDir: '/var/lib/carbond', socketPath: () => '/run/carbond/carbond.sock' };
  }
  const configHome = env['XDG_CONFIG_HOME'] || path.join(homeDir, '.config');
  const stateHome = env['XDG_STATE_HOME'] || path.join(homeDir, '.local', 'state');
  const runtimeDir = env['XDG_RUNTIME_DIR'];
  return {
    configPath: path.join(configHome, 'carbond', 'config.toml'),
    stateDir: path.join(stateHome, 'carbond'),
    socketPath: (stateDir) => (runtimeDir ? path.join(runtimeDir, SOCKET_NAME) : path.join(stateDir, SOCKET_NAME)),
  };
}

/** Which config file to read, and whether the user named it (then it must exist). */
export function configFileOf(input: LocationInput): { path: string; explicit: boolean } {
  const named = input.configFlag ?? input.env['CARBOND_CONFIG'];
  if (named) return { path: path.resolve(input.cwd, named), explicit: true };
  const home = input.homeDir ?? os.homedir();
  return { path: modeDefaults(modeOf(input.uid), input.env, home).configPath, explicit: false };
}

/** The state dir and socket as the file, env and flags set them. */
export interface PathSettings {
  /** From the config file, already absolute (resolved against the file's directory). */
  fileStateDir?: string;
  fileSocketPath?: string;
}

export interface ResolvedLocations {
  mode: ConfigMode;
  stateDir: string;
  socketPath: string;
  ledgerPath: string;
}

/**
 * State dir: flag ← env `CARBOND_STATE_DIR` ← file ← mode default.
 * Socket: flag ← env `CARBOND_SOCKET_PATH` ← file ← (`<stateDir>/carbond.sock` when the
 * state dir is not the mode default, so each state dir has its own daemon) ← mode default.
 */
export function resolveLocations(input: LocationInput, settings: PathSettings = {}): ResolvedLocations {
  const mode = modeOf(input.uid);
  const defaults = modeDefaults(mode, input.env, input.homeDir ?? os.homedir());
  const fromUser = input.stateDirFlag ?? input.env['CARBOND_STATE_DIR'];
  const stateDir = fromUser ? path.resolve(input.cwd, fromUser) : settings.fileStateDir ?? defaults.stateDir;
  const socketUser = input.socketFlag ?? input.env['CARBOND_SOCKET_PATH'];
  let socketPath: string;
  if (socketUser) socketPath = path.resolve(input.cwd, socketUser);
  else if (settings.fileSocketPath) socketPath = settings.fileSocketPath;
  else if (stateDir !== defaults.stateDir) socketPath = path.join(stateDir, SOCKET_NAME);
  else socketPath = defaults.socketPath(stateDir);
  return { mode, stateDir, socketPath, ledgerPath: path.join(stateDir, 'ledger.sqlite') };
}

/** The process's own location input (real env, uid, cwd). */
export function processLocationInput(flags: Pick<LocationInput, 'configFlag' | 'stateDirFlag' | 'socketFlag'> = {}): LocationInput {
  return {
    env: process.env,
    uid: typeof process.getuid === 'function' ? process.getuid() : 1000,
    cwd: process.cwd(),
    homeDir: os.homedir(),
    ...flags,
  };
}

/** The system daemon's socket (system mode default). */
export const SYSTEM_SOCKET_PATH = '/run/carbond/carbond.sock';
const SYSTEM_STATE_DIR = '/var/lib/carbond';

/**
 * For client commands (status, submit, pause…) run by a non-root user on a box where
 * the system daemon runs: when nothing names a state dir or socket and the user has no
 * state dir of their own, talk to the system daemon instead of a user daemon that does
 * not exist. Never used by `carbond daemon` itself.
 */
export function preferSystemDaemon(where: ResolvedLocations, input: LocationInput, exists: (p: string) => boolean): ResolvedLocations {
  const named = input.stateDirFlag ?? input.env['CARBOND_STATE_DIR'] ?? input.socketFlag ?? input.env['CARBOND_SOCKET_PATH'];
  if (where.mode !== 'user' || named !== undefined) return where;
  const userDefault = modeDefaults('user', input.env, input.homeDir ?? os.homedir());
  if (where.stateDir !== userDefault.stateDir || exists(where.stateDir) || !exists(SYSTEM_SOCKET_PATH)) return where;
  return { mode: 'user', stateDir: SYSTEM_STATE_DIR, socketPath: SYSTEM_SOCKET_PATH, ledgerPath: path.join(SYSTEM_STATE_DIR, 'ledger.sqlite') };
}
