import { acquireLeadership, openBrowserDatabase, type BrowserSqliteDriver, type Leadership } from '../../src/adapters/sqlite-wasm/index.js';
import { API_KEY, type BrowserTestApi, type CaseResult, type LeadView } from './page-api.js';
import { runBrowserDriverContract } from './run-contract.js';

const NOTES = 'CREATE TABLE IF NOT EXISTS notes (id TEXT PRIMARY KEY, at INTEGER NOT NULL)';

async function withDatabase<T>(userId: string, use: (db: BrowserSqliteDriver) => Promise<T>): Promise<T> {
  const db = await openBrowserDatabase({ userId });
  try {
    return await use(db);
  } finally {
    await db.close();
  }
}

async function readIds(db: BrowserSqliteDriver): Promise<string[]> {
  await db.exec(NOTES);
  const rows = await db.all<{ id: string }>('SELECT id FROM notes ORDER BY at, id');
  return rows.map((r) => r.id);
}

let lead: LeadView = { state: 'starting', rows: [] };
let leaderDb: BrowserSqliteDriver | undefined;
let leadership: Leadership | undefined;

const api: BrowserTestApi = {
  runDriverContract: (): Promise<CaseResult[]> => runBrowserDriverContract(),
  writeNotes: (userId, ids) =>
    withDatabase(userId, async (db) => {
      await db.exec(NOTES);
      let at = Date.now();
      for (const id of ids) await db.run('INSERT INTO notes (id, at) VALUES (?, ?)', [id, at++]);
    }),
  readNotes: (userId) => withDatabase(userId, readIds),
  async lead(userId, tab) {
    const mine = await acquireLeadership({ userId });
    leadership = mine;
    lead = { state: mine.current, rows: [] };
    mine.subscribe((state) => { lead = { ...lead, state }; });
    mine.whenLeader().then(async () => {
      leaderDb = await openBrowserDatabase({ userId });
      await leaderDb.exec(NOTES);
      await leaderDb.run('INSERT INTO notes (id, at) VALUES (?, ?)', [tab, Date.now()]);
      lead = { ...lead, rows: await readIds(leaderDb) };
    }).catch((e: unknown) => {
      lead = { ...lead, error: e instanceof Error ? e.message : String(e) };
    });
    return mine.current;
  },
  leadView: () => lead,
  async releaseLead() {
    await leaderDb?.close();
    leaderDb = undefined;
    leadership?.release();
    return leadership === undefined ? 'rejected' : leadership.whenLeader().then(() => 'resolved' as const, () => 'rejected' as const);
  },
};

(window as unknown as Record<string, unknown>)[API_KEY] = api;
