/**
 * Opening the ledger: better-sqlite3 (12.x), WAL, foreign keys, numbered migrations
 * applied in one transaction each and recorded in `migrations`. Only `src/ledger/`
 * imports better-sqlite3 (DESIGN §2).
 */
import Database from 'better-sqlite3';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LedgerError } from '../core/errors';
import { migrations as allMigrations, type Migration } from './migrations';

export type Db = Database.Database;

export interface OpenLedgerOptions {
  /** Open read-only (no migrations; fails if the file does not exist). */
  readonly?: boolean;
  /** Migrations to apply; default: all of them. */
  migrations?: readonly Migration[];
  /** Time recorded for newly applied migrations (UTC epoch ms). */
  nowMs: number;
}

/** Largest WAL kept after a checkpoint, bytes (SQLite's `journal_size_limit`). 16 MiB. */
export const WAL_SIZE_LIMIT_BYTES = 16 * 1024 * 1024;

/** The ledger file inside a state directory. */
export function ledgerPath(stateDir: string): string {
  return path.join(stateDir, 'ledger.sqlite');
}

/** Opens (creating if needed) the ledger at `file` and brings its schema up to date. */
export function openLedger(file: string, options: OpenLedgerOptions): Db {
  if (options.readonly && file !== ':memory:' && !fs.existsSync(file)) {
    throw new LedgerError(`no ledger at ${file}`);
  }
  let db: Db;
  try {
    db = new Database(file, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
  } catch (err) {
    throw new LedgerError(`cannot open ledger ${file}: ${(err as Error).message}`, { cause: err });
  }
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  if (!options.readonly) {
    if (file !== ':memory:') db.pragma('journal_mode = WAL');
    // After each checkpoint the WAL shrinks back to at most this size, so that the WAL alone
    // never fills the disk between the housekeeping truncations (a burst writes fast).
    db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
    db.pragma('synchronous = NORMAL');
    migrate(db, options.migrations ?? allMigrations, options.nowMs);
  }
  return db;
}

/** Applies every migration newer than the ledger's, each in its own transaction. */
export function migrate(db: Db, migrations: readonly Migration[], nowMs: number): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
  const applied = new Set((db.prepare('SELECT version FROM migrations').all() as Array<{ version: number }>).map((r) => r.version));
  const newest = Math.max(0, ...applied);
  const known = Math.max(0, ...migrations.map((m) => m.version));
  if (newest > known) {
    throw new LedgerError(`ledger schema version ${newest} is newer than this carbond knows (${known}); upgrade carbond`);
  }
  const done: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (applied.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, nowMs);
    })();
    done.push(m.version);
  }
  if (done.length > 0) {
    // The schema changed under what was cached: facts learnt of it, and statements prepared before.
    schemaFactsOf.delete(db);
    statementsOf.delete(db);
  }
  return done;
}

/** Facts learnt of a connection's schema (see `schemaFact`). */
const schemaFactsOf = new WeakMap<Db, Map<string, boolean>>();

/**
 * A fact about `db`'s schema (does a column exist?), learnt once per connection by `learn` and
 * forgotten when a migration runs: a read-only ledger older than this carbond lacks newer columns.
 */
export function schemaFact(db: Db, name: string, learn: () => boolean): boolean {
  let facts = schemaFactsOf.get(db);
  if (!facts) schemaFactsOf.set(db, (facts = new Map()));
  let fact = facts.get(name);
  if (fact === undefined) facts.set(name, (fact = learn()));
  return fact;
}

/** Statements prepared once per connection (see `cachedStatement`). */
const statementsOf = new WeakMap<Db, Map<string, Database.Statement>>();

/**
 * The statement for `sql` on `db`, prepared on first use and kept for the connection's life.
 * For the ledger's hot paths (a transition, a run's start and end, a progress event): preparing
 * costs more than running these small statements, and a daemon tick or a bulk write runs them
 * thousands of times. Only for statements run with `.run`/`.get`/`.all` in their default mode
 * (never `.pluck()`/`.raw()`, which would change the shared statement).
 */
export function cachedStatement(db: Db, sql: string): Database.Statement {
  let statements = statementsOf.get(db);
  if (!statements) statementsOf.set(db, (statements = new Map()));
  let stmt = statements.get(sql);
  if (!stmt) statements.set(sql, (stmt = db.prepare(sql)));
  return stmt;
}

/** Folds the WAL back into the main file and truncates it (run periodically by the daemon). */
export function checkpointWal(db: Db): void {
  db.pragma('wal_checkpoint(TRUNCATE)');
}

/** The schema as SQL text, tables and indexes in name order: what the snapshot file holds. */
export function schemaSql(db: Db): string {
  const rows = db
    .prepare(`SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY type DESC, name`)
    .all() as Array<{ sql: string }>;
  return rows.map((r) => `${r.sql};`).join('\n\n') + '\n';
}

/**
 * Closes a writable ledger for good (daemon shutdown): folds the WAL back and switches the
 * file to rollback-journal mode, so that a read-only `carbond status` while the daemon is
 * down needs no `-wal`/`-shm` files (it creates nothing, and works for users who cannot
 * write the state dir). The next `openLedger` switches back to WAL.
 */
export function closeLedger(db: Db): void {
  if (db.open && !db.readonly && db.name !== ':memory:') {
    checkpointWal(db);
    db.pragma('journal_mode = DELETE');
  }
  if (db.open) db.close();
}
