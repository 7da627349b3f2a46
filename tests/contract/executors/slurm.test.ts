/**
 * The RunExecutor contract against a real single-node Slurm (tests/setup/slurm-local.sh),
 * jobs submitted as a real non-root Linux user on the `zone-a` partition.
 */
import { describeSlurm, SlurmWorld } from '../../integration/slurm/slurm-env';
import { executorContract, type JobKind } from './contract';

jest.setTimeout(60_000);

describeSlurm('Slurm executor', () => {
  let world: SlurmWorld;
  beforeAll(() => { world = new SlurmWorld(); });
  afterAll(() => { world?.cleanup(); });

  executorContract('slurm', () => ({
    make: () => world.executor('zone-a'),
    job: (kind: JobKind) => world.job(kind),
    letTimePass: (ms) => new Promise((r) => setTimeout(r, ms)),
    cleanup: async () => { world.cancelAll(); },
  }));
});
