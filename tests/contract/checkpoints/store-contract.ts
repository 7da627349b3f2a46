/**
 * The shared `CheckpointStore` contract (CONVENTIONS §3): every implementation, fakes
 * included, runs this suite. `makeSubject` gives a fresh, empty store and a way to
 * damage one file of a checkpoint the way a disk or a killed writer would.
 */
import type { CheckpointStore } from '../../../checkpoints/store';

export interface StoreSubject {
  store: CheckpointStore;
  /** Flips one byte of `file` inside checkpoint `dir`. */
  flipByte(dir: string, file: string, offset: number): Promise<void>;
  /** Creates directory `name` under the store's root holding `files` and no manifest; returns its path. */
  putFiles(name: string, files: Record<string, string>): Promise<string>;
  /** Removes the manifest of checkpoint `dir`. */
  removeManifest(dir: string): Promise<void>;
  cleanup(): Promise<void>;
}

const bytes = (text: string): Uint8Array => Buffer.from(text, 'utf8');

export function checkpointStoreContract(name: string, makeSubject: () => Promise<StoreSubject>): void {
  describe(`CheckpointStore contract: ${name}`, () => {
    let s: StoreSubject;
    beforeEach(async () => {
      s = await makeSubject();
    });
    afterEach(async () => s.cleanup());

    const writeStep = async (step: number, payload = `state at ${step}`): Promise<string> => {
      const r = await s.store.write({ step, files: [{ path: 'weights.bin', data: bytes(payload) }, { path: 'sub/state.json', data: bytes(`{"step":${step}}`) }] });
      if (!r.ok) throw r.failure.error;
      return r.checkpoint.path;
    };

    it('writes a checkpoint whose manifest lists every file with its bytes and sha256, and verifies it', async () => {
      const r = await s.store.write({ step: 7, files: [{ path: 'weights.bin', data: bytes('abc') }], meta: { backend: 'cpu' } });
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      expect(r.checkpoint.step).toBe(7);
      expect(r.checkpoint.files).toEqual([{ path: 'weights.bin', bytes: 3, sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad' }]);
      expect(r.checkpoint.meta).toEqual({ backend: 'cpu' });
      const v = await s.store.verify(r.checkpoint.path);
      expect(v).toEqual({ ok: true, checkpoint: r.checkpoint });
    });

    it('lists checkpoints oldest first by step', async () => {
      await writeStep(20);
      await writeStep(3);
      await writeStep(100);
      expect((await s.store.list()).map((e) => e.step)).toEqual([3, 20, 100]);
    });

    it('returns the newest verified checkpoint as latest', async () => {
      await writeStep(1);
      await writeStep(2);
      const latest = await s.store.latestVerified();
      expect(latest.checkpoint?.step).toBe(2);
      expect(latest.failures).toEqual([]);
    });

    it('never returns a checkpoint with a flipped byte as verified, and reports the failure', async () => {
      await writeStep(1);
      const bad = await writeStep(2);
      await s.flipByte(bad, 'weights.bin', 3);
      const v = await s.store.verify(bad);
      expect(v.ok).toBe(false);
      if (!v.ok) {
        expect(v.failure.reason).toBe('sha256-mismatch');
        expect(v.failure.file).toBe('weights.bin');
        expect(v.failure.error.code).toBe('E_CHECKPOINT');
        expect(v.failure.error.path).toBe(bad);
      }
      const latest = await s.store.latestVerified();
      expect(latest.checkpoint?.step).toBe(1);
      expect(latest.failures.map((f) => [f.path, f.reason])).toEqual([[bad, 'sha256-mismatch']]);
    });

    it('falls back past a checkpoint whose manifest is missing', async () => {
      await writeStep(1);
      const bad = await writeStep(2);
      await s.removeManifest(bad);
      const latest = await s.store.latestVerified();
      expect(latest.checkpoint?.step).toBe(1);
      expect(latest.failures.map((f) => f.reason)).toEqual(['no-manifest']);
    });

    it('reports a missing directory as missing', async () => {
      const v = await s.store.verify(`${s.store.root}/nope`);
      expect(v.ok ? 'ok' : v.failure.reason).toBe('missing');
    });

    it('has no latest verified checkpoint when the store is empty', async () => {
      expect(await s.store.latestVerified()).toEqual({ failures: [] });
    });

    it('keeps the newest N verified checkpoints on prune and removes the older ones', async () => {
      for (const step of [1, 2, 3, 4, 5]) await writeStep(step);
      const r = await s.store.prune(2);
      expect(r.kept.map((c) => c.step)).toEqual([5, 4]);
      expect(r.removed).toHaveLength(3);
      expect((await s.store.list()).map((e) => e.step)).toEqual([4, 5]);
    });

    it('counts only verified checkpoints towards retention', async () => {
      for (const step of [1, 2, 3]) await writeStep(step);
      const bad = await writeStep(4);
      await s.flipByte(bad, 'sub/state.json', 0);
      const r = await s.store.prune(2);
      expect(r.kept.map((c) => c.step)).toEqual([3, 2]);
      expect(r.failures.map((f) => f.reason)).toEqual(['sha256-mismatch']);
      expect((await s.store.list()).map((e) => e.step)).toEqual([2, 3, 4]);
    });

    it('replaces a checkpoint written again for the same step', async () => {
      await writeStep(5, 'first');
      await writeStep(5, 'second, longer');
      const latest = await s.store.latestVerified();
      expect(latest.checkpoint?.files.find((f) => f.path === 'weights.bin')?.bytes).toBe(14);
      expect(await s.store.list()).toHaveLength(1);
    });

    it('writes the manifest for files a job left without one, and verifies them from then on', async () => {
      await writeStep(1);
      const dir = await s.putFiles('ckpt-000000000009', { 'model.pt': 'weights', 'opt/adam.pt': 'moments' });
      expect((await s.store.latestVerified()).failures.map((f) => f.reason)).toEqual(['no-manifest']);
      const r = await s.store.writeManifestFor(dir, 9, { writer: 'job' });
      expect(r.ok && r.checkpoint.files.map((f) => [f.path, f.bytes])).toEqual([['model.pt', 7], ['opt/adam.pt', 7]]);
      const latest = await s.store.latestVerified();
      expect(latest.checkpoint?.step).toBe(9);
      expect(latest.checkpoint?.meta).toEqual({ writer: 'job' });
    });

    it('refuses a file path that escapes the checkpoint directory', async () => {
      const r = await s.store.write({ step: 1, files: [{ path: '../evil', data: bytes('x') }] });
      expect(r.ok).toBe(false);
      expect(await s.store.list()).toEqual([]);
    });
  });
}
