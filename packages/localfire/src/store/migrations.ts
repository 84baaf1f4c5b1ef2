/*
 * Versioned, forward-only migrations. Framework tables evolve by numbered steps (the
 * version lives in PRAGMA user_version and `_lf_meta.schemaVersion`); app tables evolve by
 * diffing the declared collections against the database (see ./app-tables.ts). Each step
 * runs in its own BEGIN IMMEDIATE transaction. A database from a newer version is refused
 * with `schema-too-new` before anything is written.
 */
import { LocalfireError } from '../errors.js';
import { migrateAppTables } from './app-tables.js';
import type { SqliteDriver } from './driver.js';
import type { TableModel } from './table-model.js';

interface Migration {
  readonly version: number;
  readonly statements: readonly string[];
}

const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    statements: [
      'CREATE TABLE _lf_meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL)',
      `CREATE TABLE _lf_outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        mutation_id TEXT NOT NULL,
        collection TEXT NOT NULL,
        doc_id TEXT NOT NULL,
        path TEXT NOT NULL,
        op TEXT NOT NULL,
        fields TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_attempt_at INTEGER,
        next_attempt_at INTEGER NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending',
        last_error TEXT
      )`,
      'CREATE INDEX _lf_outbox_doc ON _lf_outbox (collection, doc_id, seq)',
      'CREATE INDEX _lf_outbox_ready ON _lf_outbox (state, next_attempt_at)',
      `CREATE TABLE _lf_quarantine (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        collection TEXT NOT NULL,
        path TEXT NOT NULL,
        reason TEXT NOT NULL,
        raw TEXT,
        at INTEGER NOT NULL,
        UNIQUE (collection, path)
      )`,
    ],
  },
  {
    version: 2,
    statements: [
      // The server's version of rows with unacknowledged writes (see server-rows.ts).
      `CREATE TABLE _lf_server_rows (
        collection TEXT NOT NULL,
        doc_id TEXT NOT NULL,
        data TEXT NOT NULL,
        server_time INTEGER,
        deleted INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (collection, doc_id)
      )`,
    ],
  },
];

/** The framework schema version this build writes. */
export const FRAMEWORK_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** Brings the database up to date: framework migrations, then app tables. */
export async function migrate(driver: SqliteDriver, models: readonly TableModel[]): Promise<void> {
  for (const migration of MIGRATIONS) {
    await inTransaction(driver, async () => {
      const current = await readVersion(driver);
      if (current >= migration.version) return;
      for (const sql of migration.statements) await driver.exec(sql);
      await driver.exec(`PRAGMA user_version = ${migration.version}`);
      await driver.run(`INSERT INTO _lf_meta (key, value) VALUES ('schemaVersion', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`, [String(migration.version)]);
    });
  }
  await inTransaction(driver, async () => {
    await readVersion(driver);
    await migrateAppTables(driver, models);
  });
}

/** Reads the framework version, refusing one newer than this build. */
async function readVersion(driver: SqliteDriver): Promise<number> {
  const rows = await driver.all<{ user_version: number }>('PRAGMA user_version');
  let version = rows[0]?.user_version ?? 0;
  const meta = await driver.all<{ n: number }>(`SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = '_lf_meta'`);
  if ((meta[0]?.n ?? 0) > 0) {
    const stored = await driver.all<{ value: string }>(`SELECT value FROM _lf_meta WHERE key = 'schemaVersion'`);
    version = Math.max(version, Number(stored[0]?.value ?? 0));
  }
  if (version > FRAMEWORK_SCHEMA_VERSION) {
    throw new LocalfireError('schema-too-new', `the database has schema version ${version}, newer than this localfire's ${FRAMEWORK_SCHEMA_VERSION}; nothing was changed`, {
      details: { found: version, supported: FRAMEWORK_SCHEMA_VERSION },
    });
  }
  return version;
}

async function inTransaction(driver: SqliteDriver, fn: () => Promise<void>): Promise<void> {
  await driver.exec('BEGIN IMMEDIATE');
  try {
    await fn();
  } catch (e) {
    await driver.exec('ROLLBACK').catch(() => undefined);
    throw e;
  }
  await driver.exec('COMMIT');
}
