/**
 * Moving a checkpoint to another site's storage with real rsync, real ssh to 127.0.0.1 and
 * real Linux users: the copy is verified on arrival before it takes its final name, a byte
 * flipped in transit is caught and never resumed from, the source is kept, and the copy runs
 * with the owner's rights only.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createFsCheckpointStore } from '../../../checkpoints/fs-store';
import { copyCheckpoint, TransferError, type CopyCheckpointOptions } from '../../../src/executors/transfer';
import { describeTransfer, snapshot, TransferWorld } from './transfer-env';

jest.setTimeout(60_000);

const WEIGHTS = crypto.randomBytes(3 * 1024 * 1024 + 17);
const OPTIMIZER = Buffer.from('{"adam":{"t":1200}}\n');
const FILES = { 'weights.bin': WEIGHTS, 'state/optimizer.json': OPTIMIZER };
const BYTES = WEIGHTS.length + OPTIMIZER.length;

type Where = 'local' | 'remote';

describeTransfer('copyCheckpoint with rsync, locally and over ssh', () => {
  let world: TransferWorld;
  let n = 0;
  beforeAll(() => { world = new TransferWorld(); });
  afterAll(() => { world?.cleanup(); });

  /** A fresh job of the owner with one checkpoint at site a, and the request to move it to site b. */
  async function move(where: Where): Promise<{ jobId: string; source: string; root: string; options: CopyCheckpointOptions }> {
    const jobId = `tj${++n}-${crypto.randomBytes(2).toString('hex')}`;
    const source = await world.checkpoint(world.owner, 'site-a', jobId, FILES);
    const root = path.join(world.owner.home, 'site-b', 'users', String(world.owner.uid), 'checkpoints', jobId);
    const to = where === 'local' ? { root } : { root, host: '127.0.0.1', port: world.sshPort, sshOptions: world.sshOptions() };
    return { jobId, source, root, options: { jobId, from: { path: source }, to, owner: { uid: world.owner.uid, gid: world.owner.gid } } };
  }

  it.each<Where>(['local', 'remote'])('copies a checkpoint (%s), verifies it on arrival, renames it into place as the owner and reports its bytes and time', async (where) => {
    const { source, root, options } = await move(where);
    const before = snapshot(source);

    const copied = await copyCheckpoint(options);

    expect(copied).toMatchObject({ path: path.join(root, 'ckpt-000000001200'), step: 1200, bytes: BYTES });
    expect(copied.host).toBe(where === 'remote' ? '127.0.0.1' : undefined);
    expect(copied.seconds).toBeGreaterThan(0);
    expect(copied.copySeconds + copied.verifySeconds).toBeLessThanOrEqual(copied.seconds);
    const arrived = await createFsCheckpointStore({ root }).verify(copied.path);
    expect(arrived.ok && arrived.checkpoint.step).toBe(1200);
    expect(fs.readFileSync(path.join(copied.path, 'weights.bin')).equals(WEIGHTS)).toBe(true);
    expect(fs.readdirSync(root)).toEqual(['ckpt-000000001200']); // no temporary left
    for (const p of [root, copied.path, path.join(copied.path, 'weights.bin'), path.join(copied.path, 'manifest.json')]) {
      expect(fs.statSync(p).uid).toBe(world.owner.uid); // written by the owner, never by root
    }
    expect(snapshot(source)).toEqual(before); // the source is kept as it was
  });

  it.each<Where>(['local', 'remote'])('replaces an older copy of the same checkpoint (%s) when a job moves back to a site', async (where) => {
    const { root, options } = await move(where);
    await copyCheckpoint(options);
    fs.appendFileSync(path.join(root, 'ckpt-000000001200', 'stale'), 'x');
    const again = await copyCheckpoint(options);
    expect(fs.existsSync(path.join(again.path, 'stale'))).toBe(false);
    expect(fs.readdirSync(root)).toEqual(['ckpt-000000001200']);
  });

  it.each<Where>(['local', 'remote'])('catches a byte flipped in transit (%s): throws, removes the copy, keeps the source, leaves nothing to resume from', async (where) => {
    const { jobId, source, root, options } = await move(where);
    const before = snapshot(source);
    let tmpSeen = '';
    const flip = (arrived: { tmpPath: string }): void => {
      tmpSeen = arrived.tmpPath;
      const file = path.join(arrived.tmpPath, 'weights.bin');
      const fd = fs.openSync(file, 'r+');
      const b = Buffer.alloc(1);
      fs.readSync(fd, b, 0, 1, 1_000_000);
      b[0] = b[0]! ^ 0x01;
      fs.writeSync(fd, b, 0, 1, 1_000_000);
      fs.closeSync(fd);
    };

    const error = await copyCheckpoint({ ...options, onArrived: flip }).then(() => undefined, (e: unknown) => e);

    expect(error).toBeInstanceOf(TransferError);
    const te = error as TransferError;
    expect(te).toMatchObject({ jobId, source, stage: 'verify', corrupt: true, code: 'E_EXECUTOR' });
    expect(te.destination).toBe(`${where === 'remote' ? '127.0.0.1:' : ''}${path.join(root, 'ckpt-000000001200')}`);
    expect(te.message).toContain(jobId);
    expect(te.message).toContain(source);
    expect(te.message).toMatch(/weights\.bin/);
    expect(path.dirname(tmpSeen)).toBe(root);
    expect(fs.readdirSync(root)).toEqual([]); // no final name, no partial copy
    expect((await createFsCheckpointStore({ root }).latestVerified()).checkpoint).toBeUndefined();
    expect(snapshot(source)).toEqual(before);
  });

  it('catches a flipped digit of the manifest\'s step, which the copy alone would still verify against itself', async () => {
    const { root, options } = await move('local');
    const bumpStep = ({ tmpPath }: { tmpPath: string }): void => {
      const file = path.join(tmpPath, 'manifest.json');
      fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('"step": 1200', '"step": 1300'));
    };
    await expect(copyCheckpoint({ ...options, onArrived: bumpStep })).rejects.toMatchObject({ stage: 'verify', corrupt: true, message: expect.stringMatching(/manifest\.json/) });
    expect(fs.readdirSync(root)).toEqual([]);
  });

  it.each<[string, number]>([['world-writable (0777)', 0o777], ['private (0755)', 0o755]])(
    'refuses to copy into a destination root that belongs to another user, %s, without touching it',
    async (_label, mode) => {
      const { options } = await move('local');
      const victimRoot = path.join(world.other.home, `ckpts-${mode.toString(8)}`);
      fs.mkdirSync(victimRoot);
      fs.writeFileSync(path.join(victimRoot, 'theirs'), 'keep');
      fs.chownSync(victimRoot, world.other.uid, world.other.gid);
      fs.chownSync(path.join(victimRoot, 'theirs'), world.other.uid, world.other.gid);
      fs.chmodSync(victimRoot, mode);
      fs.chmodSync(world.other.home, 0o755); // reachable, so only the ownership check or the modes stand in the way
      const before = snapshot(victimRoot);

      const attack = copyCheckpoint({ ...options, to: { root: victimRoot } });

      await expect(attack).rejects.toBeInstanceOf(TransferError);
      await expect(attack).rejects.toMatchObject({ stage: 'prepare', message: expect.stringMatching(/belongs to uid|Permission denied/) });
      expect(snapshot(victimRoot)).toEqual(before);
      fs.chmodSync(world.other.home, 0o700);
    },
  );

  it('cannot create a checkpoint dir inside another user\'s private home, which root could', async () => {
    const { options } = await move('remote');
    const target = path.join(world.other.home, 'site-b', 'job');
    await expect(copyCheckpoint({ ...options, to: { ...options.to, root: target } })).rejects.toMatchObject({ stage: 'prepare', message: expect.stringMatching(/Permission denied/) });
    expect(fs.existsSync(path.join(world.other.home, 'site-b'))).toBe(false);
  });

  it('cannot copy another user\'s checkpoint: the source is read with the owner\'s rights', async () => {
    const theirs = await world.checkpoint(world.other, 'site-a', 'their-job', FILES);
    const root = path.join(world.owner.home, 'stolen');
    const attempt = copyCheckpoint({ jobId: 'their-job', from: { path: theirs }, to: { root }, owner: { uid: world.owner.uid, gid: world.owner.gid } });
    await expect(attempt).rejects.toMatchObject({ stage: 'source', message: expect.stringMatching(/Permission denied/) });
    expect(fs.existsSync(root)).toBe(false);
  });

  it('names every problem of a bad request at once and runs nothing', async () => {
    const attempt = copyCheckpoint({ jobId: 'j', from: { path: 'rel/-x' }, to: { root: 'dest', host: '-oProxyCommand=x', sshOptions: ['a b'] }, owner: { uid: world.owner.uid, gid: world.owner.gid } });
    await expect(attempt).rejects.toMatchObject({ stage: 'request' });
    const message = await attempt.catch((e: Error) => e.message);
    for (const part of ['source rel/-x must be an absolute path', 'name "-x"', 'root dest must be an absolute path', 'host "-oProxyCommand=x"', 'ssh option "a b"']) expect(message).toContain(part);
  });
});
