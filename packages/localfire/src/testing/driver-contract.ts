/*
 * The SqliteDriver contract: cases every driver must pass (better-sqlite3 in Node, SQLite
 * WASM in a browser worker). Framework-agnostic: a case throws an Error on failure, so any
 * runner (Vitest, a Playwright page) can run them. `makeDriver` must return a fresh, empty
 * database each call; the case closes it.
 */
import type { SqliteDriver } from '../store/driver.js';

export interface DriverContractCase {
  readonly name: string;
  run(makeDriver: () => Promise<SqliteDriver>): Promise<void>;
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(`driver contract: ${message}`);
}

function show(value: unknown): string {
  try {
    return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)) ?? String(value);
  } catch {
    return String(value);
  }
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  throw new Error('driver contract: expected a rejection');
}

async function withDriver(makeDriver: () => Promise<SqliteDriver>, fn: (db: SqliteDriver) => Promise<void>): Promise<void> {
  const db = await makeDriver();
  try {
    await fn(db);
  } finally {
    await db.close();
  }
}

type Row = Record<string, unknown>;

export const driverContractCases: readonly DriverContractCase[] = [
  {
    name: 'exec runs several statements; run reports changes; all returns plain rows by column name',
    run: (make) =>
      withDriver(make, async (db) => {
        check(typeof db.description === 'string' && db.description.length > 0, 'description is a non-empty string');
        await db.exec('CREATE TABLE t (id TEXT PRIMARY KEY, n INTEGER); CREATE INDEX t_n ON t (n);');
        const inserted = await db.run('INSERT INTO t (id, n) VALUES (?, ?), (?, ?)', ['a', 1, 'b', 2]);
        check(inserted.changes === 2, `changes after insert: ${inserted.changes}`);
        const updated = await db.run('UPDATE t SET n = n + 1 WHERE n >= ?', [1]);
        check(updated.changes === 2, `changes after update: ${updated.changes}`);
        const rows = await db.all<Row>('SELECT id, n FROM t ORDER BY id');
        check(show(rows) === show([{ id: 'a', n: 2 }, { id: 'b', n: 3 }]), `rows: ${show(rows)}`);
        check(Object.getPrototypeOf(rows[0]) === Object.prototype, 'rows are plain objects');
        const none = await db.all('SELECT id FROM t WHERE id = ?', ['zzz']);
        check(Array.isArray(none) && none.length === 0, 'no match is an empty array');
      }),
  },
  {
    name: 'values round-trip: text (unicode), integers as numbers, reals, null, blobs, bigint parameters',
    run: (make) =>
      withDriver(make, async (db) => {
        await db.exec('CREATE TABLE v (t TEXT, i INTEGER, r REAL, b BLOB, n TEXT, big INTEGER)');
        await db.run('INSERT INTO v VALUES (?, ?, ?, ?, ?, ?)', ['héllo ✓ 😀', 9007199254740991, 0.25, new Uint8Array([0, 255, 7]), null, 42n]);
        const [row] = await db.all<Row>('SELECT * FROM v');
        check(row !== undefined, 'a row');
        check(row!.t === 'héllo ✓ 😀', `text: ${show(row!.t)}`);
        check(row!.i === 9007199254740991 && typeof row!.i === 'number', `integer as number: ${show(row!.i)}`);
        check(row!.r === 0.25, `real: ${show(row!.r)}`);
        check(row!.b instanceof Uint8Array && Array.from(row!.b).join() === '0,255,7', `blob: ${show(row!.b)}`);
        check(row!.n === null, `null: ${show(row!.n)}`);
        check(row!.big === 42 && typeof row!.big === 'number', `bigint param stored, read back as number: ${show(row!.big)}`);
        const [calc] = await db.all<Row>('SELECT count(*) AS c, sum(i) AS s, 1 = 1 AS truth FROM v');
        check(calc!.c === 1 && calc!.truth === 1, `aggregates are numbers: ${show(calc)}`);
      }),
  },
  {
    name: 'the same SQL text can be run many times with different parameters (statement reuse)',
    run: (make) =>
      withDriver(make, async (db) => {
        await db.exec('CREATE TABLE s (k INTEGER PRIMARY KEY, v TEXT)');
        for (let i = 0; i < 200; i++) await db.run('INSERT INTO s (k, v) VALUES (?, ?)', [i, `v${i}`]);
        for (let i = 0; i < 200; i += 37) {
          const rows = await db.all<Row>('SELECT v FROM s WHERE k = ?', [i]);
          check(rows.length === 1 && rows[0]!.v === `v${i}`, `lookup ${i}: ${show(rows)}`);
        }
        const [count] = await db.all<Row>('SELECT count(*) AS n FROM s');
        check(count!.n === 200, `count: ${show(count)}`);
      }),
  },
  {
    name: 'BEGIN IMMEDIATE / COMMIT persists; ROLLBACK discards',
    run: (make) =>
      withDriver(make, async (db) => {
        await db.exec('CREATE TABLE x (id INTEGER PRIMARY KEY)');
        await db.exec('BEGIN IMMEDIATE');
        await db.run('INSERT INTO x (id) VALUES (?)', [1]);
        await db.exec('COMMIT');
        await db.exec('BEGIN IMMEDIATE');
        await db.run('INSERT INTO x (id) VALUES (?)', [2]);
        const inside = await db.all('SELECT id FROM x');
        check(inside.length === 2, 'a transaction sees its own writes');
        await db.exec('ROLLBACK');
        const rows = await db.all<Row>('SELECT id FROM x ORDER BY id');
        check(show(rows) === show([{ id: 1 }]), `after rollback: ${show(rows)}`);
      }),
  },
  {
    name: 'a failing statement rejects with an Error (a taken primary key: code SQLITE_CONSTRAINT_PRIMARYKEY), leaves an open transaction open, and the connection usable',
    run: (make) =>
      withDriver(make, async (db) => {
        await db.exec('CREATE TABLE u (id TEXT PRIMARY KEY)');
        await db.exec('BEGIN IMMEDIATE');
        await db.run('INSERT INTO u (id) VALUES (?)', ['a']);
        const e = await rejection(db.run('INSERT INTO u (id) VALUES (?)', ['a']));
        check(e instanceof Error && /UNIQUE/i.test(e.message), `constraint error: ${show(e instanceof Error ? e.message : e)}`);
        check((e as { code?: unknown }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY', `a taken primary key has the extended code: ${show((e as { code?: unknown }).code)}`);
        const inside = await db.all('SELECT id FROM u');
        check(inside.length === 1, 'the transaction is still open with its earlier write');
        await db.exec('ROLLBACK');
        check((await db.all('SELECT id FROM u')).length === 0, 'rollback after the error discards');
        const syntax = await rejection(db.all('SELEKT nonsense'));
        check(syntax instanceof Error, 'a syntax error rejects with an Error');
        const exec = await rejection(db.exec('CREATE TABLE u (id TEXT)'));
        check(exec instanceof Error, 'exec rejects with an Error');
        await db.run('INSERT INTO u (id) VALUES (?)', ['b']);
        check((await db.all('SELECT id FROM u')).length === 1, 'usable after errors');
      }),
  },
  {
    name: 'JSON1 (json_each) and RETURNING are available',
    run: (make) =>
      withDriver(make, async (db) => {
        await db.exec('CREATE TABLE j (id TEXT PRIMARY KEY, tags TEXT)');
        await db.run('INSERT INTO j VALUES (?, ?), (?, ?)', ['a', '["x","y"]', 'b', '["y"]']);
        const rows = await db.all<Row>(`SELECT id FROM j WHERE EXISTS (SELECT 1 FROM json_each(j.tags) AS e WHERE e.value = ?) ORDER BY id`, ['x']);
        check(show(rows) === show([{ id: 'a' }]), `json_each filter: ${show(rows)}`);
        const inList = await db.all<Row>('SELECT id FROM j WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id', ['["a","b","c"]']);
        check(inList.length === 2, `json_each parameter list: ${show(inList)}`);
        const returned = await db.all<Row>('UPDATE j SET tags = ? WHERE id = ? RETURNING id, tags', ['[]', 'b']);
        check(show(returned) === show([{ id: 'b', tags: '[]' }]), `RETURNING: ${show(returned)}`);
      }),
  },
  {
    name: 'PRAGMA user_version and page accounting are readable through all',
    run: (make) =>
      withDriver(make, async (db) => {
        await db.exec('PRAGMA user_version = 7');
        const [v] = await db.all<Row>('PRAGMA user_version');
        check(v!.user_version === 7, `user_version: ${show(v)}`);
        const [pages] = await db.all<Row>('PRAGMA page_count');
        const [size] = await db.all<Row>('PRAGMA page_size');
        check(typeof pages!.page_count === 'number' && typeof size!.page_size === 'number', 'page_count and page_size are numbers');
      }),
  },
  {
    name: 'values (optional fast path), when present, returns rows as arrays in select order',
    run: (make) =>
      withDriver(make, async (db) => {
        if (db.values === undefined) return;
        await db.exec('CREATE TABLE a (id TEXT, n INTEGER, r REAL, z TEXT)');
        await db.run('INSERT INTO a VALUES (?, ?, ?, ?), (?, ?, ?, ?)', ['x', 1, 1.5, null, 'y', 2, 2.5, 'q']);
        const rows = await db.values('SELECT z, id, n, r FROM a WHERE n >= ? ORDER BY id', [1]);
        check(show(rows) === show([[null, 'x', 1, 1.5], ['q', 'y', 2, 2.5]]), `values: ${show(rows)}`);
        const objects = await db.all<Row>('SELECT z, id, n, r FROM a ORDER BY id');
        check(show(objects.map((o) => Object.values(o))) === show(rows), 'all and values agree on the same SQL');
      }),
  },
  {
    name: 'defer (optional), when present, runs statements in order before the next call, which sees their effects',
    run: (make) =>
      withDriver(make, async (db) => {
        if (db.defer === undefined) return;
        await db.exec('CREATE TABLE d (id TEXT PRIMARY KEY, n INTEGER)');
        db.defer('BEGIN IMMEDIATE');
        db.defer('INSERT INTO d (id, n) VALUES (?, ?)', ['a', 1]);
        db.defer('UPDATE d SET n = n + ? WHERE id = ?', [10, 'a']);
        const inside = await db.all<Row>('SELECT id, n FROM d');
        check(show(inside) === show([{ id: 'a', n: 11 }]), `deferred writes seen by the next call: ${show(inside)}`);
        db.defer('INSERT INTO d (id, n) VALUES (?, ?)', ['b', 2]);
        await db.exec('ROLLBACK');
        check((await db.all('SELECT id FROM d')).length === 0, 'the deferred BEGIN opened the transaction that ROLLBACK discarded');
        db.defer('INSERT INTO d (id, n) VALUES (?, ?)', ['c', 3]);
        const changed = await db.run('UPDATE d SET n = ? WHERE id = ?', [4, 'c']);
        check(changed.changes === 1, `run after a deferred insert: ${changed.changes} change(s)`);
        check(show(await db.values?.('SELECT n FROM d')) === show([[4]]) || db.values === undefined, 'values after deferred writes');
      }),
  },
  {
    name: 'a failed deferred statement fails the next call without running it, skips the statements deferred after it, and leaves the connection usable',
    run: (make) =>
      withDriver(make, async (db) => {
        if (db.defer === undefined) return;
        await db.exec('CREATE TABLE f (id TEXT PRIMARY KEY)');
        await db.run('INSERT INTO f (id) VALUES (?)', ['taken']);
        db.defer('BEGIN IMMEDIATE');
        db.defer('INSERT INTO f (id) VALUES (?)', ['x']);
        db.defer('INSERT INTO f (id) VALUES (?)', ['taken']);
        db.defer('INSERT INTO f (id) VALUES (?)', ['after']);
        const e = await rejection(db.exec('COMMIT'));
        check(e instanceof Error && /UNIQUE/i.test(e.message), `the deferred failure: ${show(e instanceof Error ? e.message : e)}`);
        check((e as { code?: unknown }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY', `the deferred failure keeps its extended code: ${show((e as { code?: unknown }).code)}`);
        const inside = await db.all<Row>('SELECT id FROM f ORDER BY id');
        check(show(inside) === show([{ id: 'taken' }, { id: 'x' }]), `COMMIT and the statements after the failure did not run: ${show(inside)}`);
        await db.exec('ROLLBACK');
        check(show(await db.all<Row>('SELECT id FROM f')) === show([{ id: 'taken' }]), 'rolled back');
        await db.run('INSERT INTO f (id) VALUES (?)', ['later']);
        check((await db.all('SELECT id FROM f')).length === 2, 'usable after the failure');
      }),
  },
  {
    name: 'close is idempotent and later calls reject',
    async run(make) {
      const db = await make();
      await db.exec('CREATE TABLE c (id INTEGER)');
      await db.close();
      await db.close();
      check((await rejection(db.all('SELECT 1'))) instanceof Error, 'all after close rejects');
      check((await rejection(db.run('INSERT INTO c VALUES (1)'))) instanceof Error, 'run after close rejects');
      check((await rejection(db.exec('SELECT 1'))) instanceof Error, 'exec after close rejects');
    },
  },
];
