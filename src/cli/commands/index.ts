/**
 * The CLI command registry: `carbond --help` lists these, in this order. To add a
 * command: one file in this folder exporting a `CliCommand`, and ONE line below.
 * Keep command files light at the top (see ../command.ts).
 */
import type { CliCommand } from '../command';
import { configCheckCommand } from './config-check';
import { daemonCommand } from './daemon';
import { forecastCommand } from './forecast';
import { reportCommand } from './report';
import { simulateCommand } from './simulate';
import { demoCommand } from './demo';
import { statusCommand } from './status';
import { submitCommand } from './submit';
import { scheduleCommands } from './schedule';
import { listCommand } from './list';
import { showCommand } from './show';
import { pauseCommand } from './pause';
import { resumeCommand } from './resume';
import { cancelCommand } from './cancel';
import { waitCommand } from './wait';
import { logsCommand } from './logs';
import { versionCommand } from './version';
import { zonesCommand } from './zones';
import { installCommand } from './install';
import { doctorCommand } from './doctor';

export const commands: readonly CliCommand[] = [
  daemonCommand,
  statusCommand,
  configCheckCommand,
  installCommand,
  doctorCommand,
  simulateCommand,
  demoCommand,
  forecastCommand,
  zonesCommand,
  submitCommand,
  ...scheduleCommands, // schedule add | list | show | remove
  listCommand,
  showCommand,
  pauseCommand,
  resumeCommand,
  cancelCommand,
  waitCommand,
  logsCommand,
  // forecast, zones, simulate, submit, list, show, pause, resume, cancel, wait, logs, report, demo: one line each
  reportCommand,
  versionCommand,
];
