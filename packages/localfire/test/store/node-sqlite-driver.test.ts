// better-sqlite3 specifics beyond the shared contract: pragmas, read-only files.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createNodeSqliteDriver } from '../../src/adapters/node-sqlite/index.js';
import { tempDir } from './helpers.js';

describe('createNodeSqliteDriver', () => {
  let dir: { dir: string; cleanup: () => void };
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => dir.cleanup());

  it('opens files in WAL mode with synchronous NORMAL, foreign keys on and a busy timeout', async () => {
    const db = createNodeSqliteDriver({ filename: `${dir.dir}/a.db`, busyTimeoutMs: 1234 });
    expect(db.description).toBe(`better-sqlite3:${dir.dir}/a.db`);
    expect(await db.all('PRAGMA journal_mode')).toEqual([{ journal_mode: 'wal' }]);
    expect(await db.all('PRAGMA synchronous')).toEqual([{ synchronous: 1 }]);
    expect(await db.all('PRAGMA foreign_keys')).toEqual([{ foreign_keys: 1 }]);
    expect(await db.all('PRAGMA busy_timeout')).toEqual([{ timeout: 1234 }]);
    await db.close();
  });

  it('opens an existing file read-only: reads work, writes reject', async () => {
    const file = `${dir.dir}/b.db`;
    const writer = createNodeSqliteDriver({ filename: file });
    await writer.exec('CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1)');
    await writer.close();
    const reader = createNodeSqliteDriver({ filename: file, readonly: true });
    expect(await reader.all('SELECT x FROM t')).toEqual([{ x: 1 }]);
    await expect(reader.run('INSERT INTO t VALUES (?)', [2])).rejects.toThrow();
    await reader.close();
    expect(() => createNodeSqliteDriver({ filename: `${dir.dir}/missing.db`, readonly: true })).toThrow();
  });
});
