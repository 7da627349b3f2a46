import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { appendEvent, parseEvents, readEventsSince, readProtocolEnv, validateManifest } from '../../../checkpoints/protocol';

const SHA = 'a'.repeat(64);

describe('parseEvents', () => {
  it('parses progress, checkpoint and backend events with their line numbers', () => {
    const text = '{"event":"backend","name":"wasm"}\n{"event":"progress","step":1200,"totalSteps":10000}\n\n{"event":"checkpoint","path":"/c/ckpt-1","step":1200}\n';
    const r = parseEvents(text);
    expect(r.events).toEqual([
      { line: 1, event: { event: 'backend', name: 'wasm' } },
      { line: 2, event: { event: 'progress', step: 1200, totalSteps: 10000 } },
      { line: 4, event: { event: 'checkpoint', path: '/c/ckpt-1', step: 1200 } },
    ]);
    expect(r.issues).toEqual([]);
    expect(r.tornTail).toBe(false);
    expect(r.consumedBytes).toBe(Buffer.byteLength(text));
  });

  it('leaves a torn last line unconsumed instead of reporting it', () => {
    const r = parseEvents('{"event":"progress","step":3}\n{"event":"chec');
    expect(r.events).toHaveLength(1);
    expect(r.issues).toEqual([]);
    expect(r.tornTail).toBe(true);
    expect(r.consumedBytes).toBe(30);
  });

  it.each([
    ['not json', 'not valid JSON'],
    ['[1,2]', 'must be a JSON object'],
    ['{"event":"progress","step":-1}', 'must be a non-negative integer'],
    ['{"event":"progress","step":1.5}', 'must be a non-negative integer'],
    ['{"event":"checkpoint","step":3}', 'must be a non-empty path'],
    ['{"event":"checkpoint","path":"/x","step":"3"}', 'must be a non-negative integer'],
    ['{"event":"hello"}', 'must be one of progress, checkpoint, backend'],
  ])('reports the complete line %s as an issue: %s', (line, message) => {
    const r = parseEvents(`${line}\n`);
    expect(r.events).toEqual([]);
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0]?.message).toBe(message);
    expect(r.issues[0]?.path).toMatch(/^line 1/);
  });
});

describe('readEventsSince', () => {
  it('tails a file across appends, including a line completed later', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbond-ev-'));
    const file = path.join(dir, 'events.jsonl');
    try {
      expect(readEventsSince(file).events).toEqual([]);
      appendEvent(file, { event: 'progress', step: 1 });
      fs.appendFileSync(file, '{"event":"progress",');
      const first = readEventsSince(file);
      expect(first.events.map((e) => e.event)).toEqual([{ event: 'progress', step: 1 }]);
      fs.appendFileSync(file, '"step":2}\n');
      const second = readEventsSince(file, first.cursor);
      expect(second.events).toEqual([{ line: 2, event: { event: 'progress', step: 2 } }]);
      expect(second.cursor.offsetBytes).toBe(fs.statSync(file).size);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('readProtocolEnv', () => {
  it('reads the four CARBOND_ variables and treats empty as unset', () => {
    expect(readProtocolEnv({ CARBOND_JOB_ID: 'j1', CARBOND_CHECKPOINT_DIR: '/c', CARBOND_RESUME_FROM: '', CARBOND_EVENTS: '/e' })).toEqual({
      jobId: 'j1', checkpointDir: '/c', resumeFrom: undefined, eventsPath: '/e',
    });
  });
});

describe('validateManifest', () => {
  it('accepts the manifest of DESIGN §4', () => {
    const m = { step: 1200, createdAt: '2026-11-29T03:00:00Z', files: [{ path: 'weights.bin', bytes: 4096, sha256: SHA }] };
    expect(validateManifest(m)).toEqual({ manifest: m, issues: [] });
  });

  it('reports every problem with its field', () => {
    const r = validateManifest({ step: -1, createdAt: 'yesterday', files: [{ path: '../x', bytes: 1.5, sha256: 'ABC' }, { path: 'manifest.json', bytes: 1, sha256: SHA }] });
    expect(r.manifest).toBeUndefined();
    expect(r.issues.map((i) => i.path)).toEqual(['step', 'createdAt', 'files[0].path', 'files[0].bytes', 'files[0].sha256', 'files[1].path']);
  });

  it('rejects a file listed twice', () => {
    const f = { path: 'a', bytes: 1, sha256: SHA };
    expect(validateManifest({ step: 0, createdAt: '2026-11-29T03:00:00Z', files: [f, f] }).issues.map((i) => i.message)).toEqual(['is listed twice']);
  });
});
