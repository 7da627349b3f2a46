import { createMemoryCheckpointStore } from '../../../checkpoints/memory-store';
import { checkpointStoreContract } from './store-contract';

checkpointStoreContract('in-memory fake', async () => {
  const store = createMemoryCheckpointStore({ root: '/jobs/job-1', jobId: 'job-1' });
  return {
    store,
    flipByte: async (dir, file, offset) => store.flipByte(dir, file, offset),
    putFiles: async (name, files) => {
      const dir = `${store.root}/${name}`;
      store.putFiles(dir, Object.fromEntries(Object.entries(files).map(([k, v]) => [k, Buffer.from(v)])));
      return dir;
    },
    removeManifest: async (dir) => store.removeManifest(dir),
    cleanup: async () => undefined,
  };
});
