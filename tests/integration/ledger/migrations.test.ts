import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openLedger, schemaSql, ledgerPath } from '../../../src/ledger/db';
import { migrations } from '../../../src/ledger/migrations';

describe('ledger migrations', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbond-ledger-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('applies every migration once, in WAL mode, and records each', () => {
    const db = openLedger(ledgerPath(dir), { nowMs: 1000 });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    const rows = db.prepare('SELECT version, applied_at FROM migrations ORDER BY version').all();
    expect(rows).toEqual(migrations.map((m) => ({ version: m.version, applied_at: 1000 })));
    db.close();
    const again = openLedger(ledgerPath(dir), { nowMs: 2000 });
    expect(again.prepare('SELECT COUNT(*) n FROM migrations').get()).toEqual({ n: migrations.length });
    again.close();
  });

  it('matches the schema snapshot kept in the repository (update it with npm run schema:snapshot)', () => {
    const db = openLedger(':memory:', { nowMs: 0 });
    const snapshot = fs.readFileSync(path.join(__dirname, '../../../src/ledger/schema.snapshot.sql'), 'utf8');
    expect(schemaSql(db)).toBe(snapshot);
    db.close();
  });

  it('refuses a ledger whose schema is newer than this carbond', () => {
    const file = ledgerPath(dir);
    const db = openLedger(file, { nowMs: 0 });
    db.prepare('INSERT INTO migrations (version, name, applied_at) VALUES (999, ?, 0)').run('future');
    db.close();
    expect(() => openLedger(file, { nowMs: 0 })).toThrow(/newer than this carbond/);
  });
});
