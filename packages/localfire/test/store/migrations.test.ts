import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createNodeSqliteDriver } from '../../src/adapters/node-sqlite/index.js';
import { createLocalStore, isLocalfireError } from '../../src/index.js';
import type { CollectionDef } from '../../src/index.js';
import { lists, todos } from '../fixtures/todo.js';
import { todosWithOwner, todosWithPriority } from '../fixtures/todo-versions.js';
import { openStore, tempDir, todoInput } from './helpers.js';

describe('migrations', () => {
  let dir: { dir: string; cleanup: () => void };
  let file: string;
  beforeEach(() => {
    dir = tempDir();
    file = `${dir.dir}/app.db`;
  });
  afterEach(() => dir.cleanup());

  const open = (collections: readonly CollectionDef<any>[]) => openStore({ filename: file, collections });
  const inspect = (sql: string, params: unknown[] = []) => {
    const db = new Database(file, { readonly: true });
    try {
      return db.prepare(sql).all(...params);
    } finally {
      db.close();
    }
  };
  const schemaSnapshot = () => inspect(`SELECT type, name, sql FROM sqlite_master ORDER BY name`);

  it('creates the framework tables, app tables with typed columns and declared indexes on a fresh database', async () => {
    const { store, driver } = await open([todos, lists]);
    const tables = (await driver.all<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)).map((r) => r.name);
    expect(tables).toEqual(['_lf_meta', '_lf_outbox', '_lf_quarantine', '_lf_server_rows', 'lists', 'todos']);
    const columns = await driver.all<{ name: string; type: string }>(`PRAGMA table_info("todos")`);
    expect(columns.map((c) => [c.name, c.type])).toEqual([
      ['id', 'TEXT'],
      ['listId', 'TEXT'],
      ['title', 'TEXT'],
      ['done', 'INTEGER'],
      ['position', 'INTEGER'],
      ['dueAt', 'INTEGER'],
      ['tags', 'TEXT'],
      ['notes', 'TEXT'],
      ['_sync_status', 'TEXT'],
      ['_retry_count', 'INTEGER'],
      ['_last_attempt', 'INTEGER'],
      ['_server_time', 'INTEGER'],
      ['_created_at', 'INTEGER'],
      ['_updated_at', 'INTEGER'],
      ['_deleted', 'INTEGER'],
    ]);
    const indexes = (await driver.all<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'todos' AND sql IS NOT NULL ORDER BY name`)).map((r) => r.name);
    expect(indexes).toEqual(['ix_todos_done', 'ix_todos_listId_position']);
    const plan = await driver.all<{ detail: string }>(`EXPLAIN QUERY PLAN SELECT id FROM "todos" WHERE "todos"._deleted = 0 AND "todos"."listId" = ? ORDER BY "todos"."position" DESC, "todos".id DESC LIMIT 10`, ['l1']);
    expect(plan.map((p) => p.detail).join(' | ')).toContain('ix_todos_listId_position');
    expect(await driver.all('PRAGMA user_version')).toEqual([{ user_version: 2 }]);
    expect(await store.sync.transaction((tx) => tx.getMeta('schemaVersion'))).toBe('2');
    await store.close();
  });

  it('reopening an up-to-date database keeps its rows and changes nothing', async () => {
    const first = await open([todos, lists]);
    await first.store.repo(todos).create(todoInput({ id: 'a' }));
    await first.store.close();
    const before = schemaSnapshot();
    const second = await open([todos, lists]);
    expect((await second.store.repo(todos).read('a'))?.title).toBe('buy milk');
    await second.store.close();
    expect(schemaSnapshot()).toEqual(before);
  });

  it('adds a new optional field to an existing database file; old rows read without it', async () => {
    const v1 = await open([todos]);
    await v1.store.repo(todos).create(todoInput({ id: 'old' }));
    await v1.store.close();
    const v2 = await open([todosWithPriority]);
    const repo = v2.store.repo(todosWithPriority);
    const old = await repo.read('old');
    expect(old?.title).toBe('buy milk');
    expect(old && 'priority' in old).toBe(false);
    await repo.update('old', { priority: 3 });
    await repo.create({ ...todoInput({ id: 'new' }), priority: 1 });
    expect((await repo.query({ where: { priority: { gte: 1 } }, orderBy: [['priority', 'asc']] })).map((r) => [r.id, r.priority])).toEqual([
      ['new', 1],
      ['old', 3],
    ]);
    await v2.store.close();
    expect(inspect(`SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'ix_todos_priority'`)).toHaveLength(1);
  });

  it('adds a new collection to an existing database', async () => {
    const v1 = await open([todos]);
    await v1.store.repo(todos).create(todoInput({ id: 'a' }));
    await v1.store.close();
    const v2 = await open([todos, lists]);
    await v2.store.repo(lists).create({ id: 'l1', name: 'home', ownerId: 'u1' });
    expect(await v2.store.repo(lists).count()).toBe(1);
    expect(await v2.store.repo(todos).count()).toBe(1);
    await v2.store.close();
  });

  it('refuses a new required field on a non-empty table, with invalid-definition, and changes nothing', async () => {
    const v1 = await open([todos, lists]);
    await v1.store.repo(todos).create(todoInput({ id: 'a' }));
    await v1.store.close();
    const before = schemaSnapshot();
    const error = await open([todosWithOwner, lists]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isLocalfireError(error, 'invalid-definition')).toBe(true);
    expect((error as Error).message).toContain('ownerId');
    expect(schemaSnapshot()).toEqual(before);
  });

  it('accepts a new required field on an empty table', async () => {
    const v1 = await open([todos]);
    await v1.store.close();
    const v3 = await open([todosWithOwner]);
    const row = await v3.store.repo(todosWithOwner).create({ ...todoInput(), ownerId: 'u1' });
    expect(row.ownerId).toBe('u1');
    await v3.store.close();
  });

  it('refuses a database from a newer framework version (user_version) with schema-too-new and touches nothing', async () => {
    const raw = new Database(file);
    raw.pragma('journal_mode = WAL');
    raw.exec('CREATE TABLE keep (x INTEGER); INSERT INTO keep VALUES (1); PRAGMA user_version = 99');
    raw.close();
    const before = schemaSnapshot();
    const driver = createNodeSqliteDriver({ filename: file });
    await expect(createLocalStore({ driver, collections: [todos, lists] })).rejects.toSatisfy((e) => isLocalfireError(e, 'schema-too-new'));
    await driver.close();
    expect(schemaSnapshot()).toEqual(before);
    expect(inspect('PRAGMA user_version')).toEqual([{ user_version: 99 }]);
    expect(inspect('SELECT x FROM keep')).toEqual([{ x: 1 }]);
  });

  it('refuses a database whose _lf_meta records a newer version, touching nothing', async () => {
    const v1 = await open([todos]);
    await v1.store.repo(todos).create(todoInput({ id: 'a' }));
    await v1.store.close();
    const raw = new Database(file);
    raw.prepare(`UPDATE _lf_meta SET value = '3' WHERE key = 'schemaVersion'`).run();
    raw.close();
    const before = schemaSnapshot();
    const driver = createNodeSqliteDriver({ filename: file });
    await expect(createLocalStore({ driver, collections: [todos, lists] })).rejects.toSatisfy((e) => isLocalfireError(e, 'schema-too-new'));
    await driver.close();
    expect(schemaSnapshot()).toEqual(before);
  });

  it('refuses the same collection declared twice', async () => {
    const driver = createNodeSqliteDriver({ filename: ':memory:' });
    await expect(createLocalStore({ driver, collections: [todos, todos] })).rejects.toSatisfy((e) => isLocalfireError(e, 'invalid-definition'));
    await driver.close();
  });
});
