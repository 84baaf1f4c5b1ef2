import { openBrowserDatabase } from '../../src/adapters/sqlite-wasm/index.js';

const w = window as unknown as Record<string, unknown>;
w['smoke'] = async () => {
  const db = await openBrowserDatabase({ userId: 'smoke', reset: true });
  await db.exec('CREATE TABLE t (id TEXT PRIMARY KEY, n INTEGER, r REAL, b BLOB)');
  await db.run('INSERT INTO t VALUES (?, ?, ?, ?)', ['a', 1, 1.5, new Uint8Array([1, 2])]);
  const rows = await db.all('SELECT * FROM t');
  let err = '';
  try { await db.run('INSERT INTO t VALUES (?, ?, ?, ?)', ['a', 1, 1.5, null]); } catch (e) { err = `${(e as Error).name} ${(e as { code?: string }).code} ${(e as Error).message}`; }
  await db.close();
  return { rows, err, desc: db.description, v: db.sqliteVersion };
};
