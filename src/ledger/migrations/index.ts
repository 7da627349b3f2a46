/**
 * The ordered list of migrations. Append-only: add `NNNN_name.ts` and list it here;
 * never edit or reorder a landed one (the schema snapshot test catches drift).
 */
import { migration0001 } from './0001_initial';
import { migration0002 } from './0002_signal';
import { migration0003 } from './0003_job_retries';
import { migration0004 } from './0004_job_state';
import { migration0005 } from './0005_schedules';
import { migration0006 } from './0006_checkpoint_transfers';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const migrations: readonly Migration[] = [migration0001, migration0002, migration0003, migration0004, migration0005, migration0006];
