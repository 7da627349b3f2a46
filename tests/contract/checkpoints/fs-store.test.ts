import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createFsCheckpointStore } from '../../../checkpoints/fs-store';
import { checkpointStoreContract } from './store-contract';

checkpointStoreContract('filesystem', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'carbond-ckpt-'));
  return {
    store: createFsCheckpointStore({ root: path.join(root, 'job'), jobId: 'job-1' }),
    async flipByte(dir, file, offset) {
      const p = path.join(dir, file);
      const buf = fs.readFileSync(p);
      buf[offset] = (buf[offset] as number) ^ 0x01;
      fs.writeFileSync(p, buf);
    },
    async putFiles(name, files) {
      const dir = path.join(root, 'job', name);
      for (const [rel, text] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
        fs.writeFileSync(path.join(dir, rel), text);
      }
      return dir;
    },
    async removeManifest(dir) {
      fs.rmSync(path.join(dir, 'manifest.json'));
    },
    async cleanup() {
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
});
