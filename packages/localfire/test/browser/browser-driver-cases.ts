// Cases specific to the browser driver, beyond the shared driver contract: what the worker
// boundary could get wrong (value round trips, error shape, close, file lifecycle).
import { openBrowserDatabase } from '../../src/adapters/sqlite-wasm/index.js';

export interface BrowserCase {
  readonly name: string;
  run(): Promise<void>;
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(message);
}

async function rejects(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

export const browserDriverCases: readonly BrowserCase[] = [
  {
    name: 'values cross the worker boundary unchanged: text, integer, real, blob, null, bigint params',
    async run() {
      const db = await openBrowserDatabase({ userId: 'case-values', reset: true });
      try {
        await db.exec('CREATE TABLE v (t TEXT, i INTEGER, r REAL, b BLOB, n TEXT)');
        await db.run('INSERT INTO v VALUES (?, ?, ?, ?, ?)', ['é ✓', 9007199254740991n, 0.25, new Uint8Array([0, 255, 7]), null]);
        const [row] = await db.all<{ t: unknown; i: unknown; r: unknown; b: unknown; n: unknown }>('SELECT * FROM v');
        if (row === undefined) throw new Error('no row');
        check(row.t === 'é ✓', `text: ${String(row.t)}`);
        check(row.i === 9007199254740991, `integer must be a number: ${typeof row.i}`);
        check(row.r === 0.25, 'real');
        check(row.b instanceof Uint8Array && Array.from(row.b).join() === '0,255,7', 'blob');
        check(row.n === null, 'null');
      } finally {
        await db.destroy();
      }
    },
  },
  {
    name: 'a SQLite error is rethrown as an Error with the SQLite message and code; the connection stays usable',
    async run() {
      const db = await openBrowserDatabase({ userId: 'case-errors', reset: true });
      try {
        await db.exec('CREATE TABLE u (id TEXT PRIMARY KEY)');
        await db.run('INSERT INTO u VALUES (?)', ['x']);
        const e = await rejects(db.run('INSERT INTO u VALUES (?)', ['x']));
        check(e instanceof Error, 'an Error');
        check((e as Error).message.includes('UNIQUE constraint failed: u.id'), (e as Error).message);
        check((e as { code?: unknown }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY', String((e as { code?: unknown }).code));
        const syntax = await rejects(db.all('SELEC nonsense'));
        check(syntax instanceof Error && syntax.message.includes('syntax error'), String(syntax));
        const rows = await db.all('SELECT id FROM u');
        check(rows.length === 1, 'still usable');
      } finally {
        await db.destroy();
      }
    },
  },
  {
    name: 'after close every call rejects with a closed LocalfireError; close is idempotent',
    async run() {
      const db = await openBrowserDatabase({ userId: 'case-close', reset: true });
      await db.close();
      await db.close();
      const e = await rejects(db.all('SELECT 1'));
      check((e as { kind?: unknown }).kind === 'closed', String(e));
    },
  },
  {
    name: 'a database survives close and reopen; destroy deletes it; reset starts empty',
    async run() {
      const first = await openBrowserDatabase({ userId: 'case-files', reset: true });
      await first.exec('CREATE TABLE k (id TEXT)');
      await first.run('INSERT INTO k VALUES (?)', ['kept']);
      await first.close();
      const second = await openBrowserDatabase({ userId: 'case-files' });
      const kept = await second.all<{ id: string }>('SELECT id FROM k');
      check(kept.length === 1 && kept[0]?.id === 'kept', 'persisted across reopen');
      await second.destroy();
      const third = await openBrowserDatabase({ userId: 'case-files' });
      const tables = await third.all("SELECT name FROM sqlite_master WHERE name = 'k'");
      check(tables.length === 0, 'destroy deleted the file');
      await third.exec('CREATE TABLE k (id TEXT)');
      await third.close();
      const fourth = await openBrowserDatabase({ userId: 'case-files', reset: true });
      const afterReset = await fourth.all("SELECT name FROM sqlite_master WHERE name = 'k'");
      check(afterReset.length === 0, 'reset starts empty');
      await fourth.destroy();
    },
  },
  {
    name: 'a worker that fails to load rejects the open with an internal LocalfireError instead of hanging',
    async run() {
      const e = await rejects(openBrowserDatabase({
        userId: 'case-broken',
        createWorker: () => new Worker('/no-such-worker.js', { type: 'module' }),
      }));
      check((e as { kind?: unknown }).kind === 'internal', String(e));
    },
  },
  {
    name: 'two users get two separate databases',
    async run() {
      const alice = await openBrowserDatabase({ userId: 'case-alice@example.com', reset: true });
      const bob = await openBrowserDatabase({ userId: 'case-bob@example.com', reset: true });
      try {
        await alice.exec('CREATE TABLE mine (id TEXT)');
        const bobs = await bob.all("SELECT name FROM sqlite_master WHERE name = 'mine'");
        check(bobs.length === 0, 'bob does not see alice’s table');
        check(alice.fileName !== bob.fileName, 'distinct files');
      } finally {
        await alice.destroy();
        await bob.destroy();
      }
    },
  },
];
