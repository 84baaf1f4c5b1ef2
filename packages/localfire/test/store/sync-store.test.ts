import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isLocalfireError } from '../../src/index.js';
import { lists, todos } from '../fixtures/todo.js';
import { openStore, settle, todoInput, type TestStore } from './helpers.js';

const T0 = Date.UTC(2026, 0, 1);

describe('SyncStore', () => {
  let t: TestStore;
  beforeEach(async () => {
    t = await openStore();
  });
  afterEach(async () => {
    await t.store.close();
  });

  const seqs = async () => (await t.store.sync.listOutbox()).map((e) => e.seq);

  describe('readyWrites', () => {
    it('returns ready entries in seq order, up to the limit', async () => {
      const repo = t.store.repo(todos);
      for (const id of ['a', 'b', 'c']) await repo.create(todoInput({ id }));
      const ready = await t.store.sync.readyWrites(T0 + 1000, 10);
      expect(ready.map((e) => e.docId)).toEqual(['a', 'b', 'c']);
      expect((await t.store.sync.readyWrites(T0 + 1000, 2)).map((e) => e.docId)).toEqual(['a', 'b']);
      expect(await t.store.sync.readyWrites(T0 - 1, 10)).toEqual([]);
    });

    it('holds back later entries of a document behind a backed-off or failed one, never other documents', async () => {
      const repo = t.store.repo(todos);
      await repo.create(todoInput({ id: 'a' }));
      await repo.create(todoInput({ id: 'b' }));
      await repo.update('a', { done: true });
      const [a1, b1, a2] = await seqs();
      await t.store.sync.transaction((tx) => tx.recordFailure([a1!], { kind: 'offline', message: 'no network', nextAttemptAt: T0 + 5000 }));
      expect((await t.store.sync.readyWrites(T0 + 1000, 10)).map((e) => e.seq)).toEqual([b1]);
      expect((await t.store.sync.readyWrites(T0 + 5000, 10)).map((e) => e.seq)).toEqual([a1, b1, a2]);
      await t.store.sync.transaction((tx) => tx.recordFailure([a1!], { kind: 'permission-denied', message: 'denied', nextAttemptAt: null }));
      expect((await t.store.sync.readyWrites(T0 + 10_000, 10)).map((e) => e.seq)).toEqual([b1]);
    });
  });

  describe('ack', () => {
    it('deletes the entries; a document with none left becomes synced with the server time and retry count reset', async () => {
      const repo = t.store.repo(todos);
      await repo.create(todoInput({ id: 'a' }));
      await repo.update('a', { done: true });
      const [s1, s2] = await seqs();
      await t.store.sync.transaction((tx) => tx.recordFailure([s1!], { kind: 'timeout', message: 't', nextAttemptAt: T0 }));
      expect((await repo.read('a'))?.$meta.retryCount).toBe(1);
      await t.store.sync.transaction((tx) => tx.ack([{ seq: s1!, serverTime: 5_000_000 }]));
      let row = await repo.read('a');
      expect(row?.$meta.syncStatus).toBe('pending');
      expect(row?.$meta.serverTimestamp).toEqual(new Date(5000));
      await t.store.sync.transaction((tx) => tx.ack([{ seq: s2!, serverTime: 6_000_000 }]));
      row = await repo.read('a');
      expect(row?.$meta).toMatchObject({ syncStatus: 'synced', retryCount: 0, serverTimestamp: new Date(6000) });
      expect(await t.store.sync.listOutbox()).toEqual([]);
      await t.store.sync.transaction((tx) => tx.ack([]));
    });

    it('a replayed ack (already deleted) changes nothing', async () => {
      await t.store.repo(todos).create(todoInput({ id: 'a' }));
      const [s1] = await seqs();
      await t.store.sync.transaction((tx) => tx.ack([{ seq: s1!, serverTime: 7 }]));
      await t.store.sync.transaction((tx) => tx.ack([{ seq: s1!, serverTime: 8 }]));
      const raw = await t.store.sync.transaction((tx) => tx.readRow('todos', 'a'));
      expect(raw?.serverTime).toBe(7);
    });
  });

  describe('recordFailure and retryFailed', () => {
    it('a retryable failure keeps the entry pending with backoff; giving up marks entry and row failed', async () => {
      const repo = t.store.repo(todos);
      await repo.create(todoInput({ id: 'a' }));
      const [s1] = await seqs();
      t.clock.set(T0 + 100);
      await t.store.sync.transaction((tx) => tx.recordFailure([s1!], { kind: 'offline', message: 'down', nextAttemptAt: T0 + 2000 }));
      let [entry] = await t.store.sync.listOutbox();
      expect(entry).toMatchObject({ state: 'pending', attempts: 1, lastAttemptAt: T0 + 100, nextAttemptAt: T0 + 2000, lastError: { kind: 'offline', message: 'down' } });
      expect((await repo.read('a'))?.$meta).toMatchObject({ syncStatus: 'pending', retryCount: 1, lastSyncAttempt: new Date(T0 + 100) });
      await t.store.sync.transaction((tx) => tx.recordFailure([s1!], { kind: 'invalid-data', message: 'bad', nextAttemptAt: null }));
      [entry] = await t.store.sync.listOutbox();
      expect(entry).toMatchObject({ state: 'failed', attempts: 2 });
      expect((await repo.read('a'))?.$meta.syncStatus).toBe('failed');
      expect(await t.store.sync.outboxStats()).toEqual({ pending: 0, failed: 1, oldestAt: T0 });
      await t.store.sync.transaction((tx) => tx.recordFailure([], { kind: 'offline', message: '', nextAttemptAt: 1 }));
    });

    it('retryFailed moves failed entries (all or the given ones) back to pending, ready now', async () => {
      const repo = t.store.repo(todos);
      await repo.create(todoInput({ id: 'a' }));
      await repo.create(todoInput({ id: 'b' }));
      const [sa, sb] = await seqs();
      await t.store.sync.transaction((tx) => tx.recordFailure([sa!, sb!], { kind: 'permission-denied', message: 'no', nextAttemptAt: null }));
      t.clock.set(T0 + 500);
      expect(await t.store.sync.transaction((tx) => tx.retryFailed([sb!]))).toBe(1);
      expect((await t.store.sync.listOutbox()).map((e) => [e.state, e.attempts])).toEqual([
        ['failed', 1],
        ['pending', 0],
      ]);
      expect((await repo.read('b'))?.$meta).toMatchObject({ syncStatus: 'pending', retryCount: 0 });
      expect(await t.store.sync.transaction((tx) => tx.retryFailed())).toBe(1);
      expect(await t.store.sync.transaction((tx) => tx.retryFailed())).toBe(0);
      expect((await t.store.sync.readyWrites(T0 + 1000, 10)).map((e) => e.docId)).toEqual(['a', 'b']);
    });
  });

  describe('rows from the server', () => {
    it('writeRow inserts and updates rows with no outbox entry; readRow returns local representation', async () => {
      await t.store.sync.transaction((tx) =>
        tx.writeRow('todos', { id: 'r', data: { listId: 'l1', title: 'remote', done: true, position: 4, tags: ['a'], dueAt: new Date(42) }, serverTime: 9_000_000, deleted: false, syncStatus: 'synced' }),
      );
      expect(await t.store.sync.listOutbox()).toEqual([]);
      const row = await t.store.repo(todos).read('r');
      expect(row).toMatchObject({ id: 'r', title: 'remote', done: true, dueAt: new Date(42), tags: ['a'] });
      expect(row?.$meta).toMatchObject({ syncStatus: 'synced', serverTimestamp: new Date(9000), deleted: false });
      const raw = await t.store.sync.transaction((tx) => tx.readRow('todos', 'r'));
      expect(raw).toEqual({
        id: 'r',
        data: { id: 'r', listId: 'l1', title: 'remote', done: true, position: 4, tags: ['a'], dueAt: new Date(42) },
        syncStatus: 'synced',
        serverTime: 9_000_000,
        deleted: false,
      });
      await t.store.sync.transaction((tx) =>
        tx.writeRow('todos', { id: 'r', data: { listId: 'l1', title: 'gone', done: true, position: 4, tags: [] }, serverTime: 9_500_000, deleted: true, syncStatus: 'synced' }),
      );
      expect(await t.store.repo(todos).read('r')).toBeUndefined();
      expect((await t.store.sync.transaction((tx) => tx.readRow('todos', 'r')))?.deleted).toBe(true);
      expect(await t.store.sync.transaction((tx) => tx.readRow('todos', 'missing'))).toBeUndefined();
      await expect(t.store.sync.transaction((tx) => tx.readRow('nope', 'x'))).rejects.toSatisfy((e) => isLocalfireError(e, 'invalid-definition'));
    });

    it('writeRow keeps the local creation time and the pending status it is given', async () => {
      const created = await t.store.repo(todos).create(todoInput({ id: 'a' }));
      t.clock.set(T0 + 10_000);
      await t.store.sync.transaction((tx) => tx.writeRow('todos', { id: 'a', data: { ...todoInput(), title: 'merged' }, serverTime: 1, deleted: false, syncStatus: 'pending' }));
      const row = await t.store.repo(todos).read('a');
      expect(row?.title).toBe('merged');
      expect(row?.$meta).toMatchObject({ syncStatus: 'pending', createdAt: created.$meta.createdAt, updatedAt: new Date(T0 + 10_000) });
      expect(await t.store.sync.listOutbox()).toHaveLength(1);
    });

    it('purgeRow removes a row for good and never touches the outbox', async () => {
      await t.store.repo(todos).create(todoInput({ id: 'a' }));
      await t.store.sync.transaction(async (tx) => {
        await tx.purgeRow('todos', 'a');
        await tx.purgeRow('todos', 'missing');
      });
      expect(await t.store.repo(todos).query({ includeDeleted: true })).toEqual([]);
      expect(await t.store.sync.listOutbox()).toHaveLength(1);
    });

    it('pendingFields lists the fields of unacknowledged entries', async () => {
      const repo = t.store.repo(todos);
      await repo.create(todoInput({ id: 'a' }));
      const [s1] = await seqs();
      await repo.update('a', { title: 'x' });
      await repo.addToSet('a', { tags: ['t'] });
      await t.store.sync.transaction((tx) => tx.ack([{ seq: s1!, serverTime: 1 }]));
      const fields = await t.store.sync.transaction((tx) => tx.pendingFields('todos', 'a'));
      expect([...fields].sort()).toEqual(['tags', 'title']);
      expect([...(await t.store.sync.transaction((tx) => tx.pendingFields('todos', 'b')))]).toEqual([]);
    });

    it('pendingChanges tells fields with a pending replacement (set) from those with only unions', async () => {
      const repo = t.store.repo(todos);
      await repo.create(todoInput({ id: 'a', tags: ['x', 'y'] }));
      const [s1] = await seqs();
      await t.store.sync.transaction((tx) => tx.ack([{ seq: s1!, serverTime: 1 }]));
      await repo.addToSet('a', { tags: ['z'] });
      await repo.update('a', { title: 'x' });
      const unions = await t.store.sync.transaction((tx) => tx.pendingChanges('todos', 'a'));
      expect({ fields: [...unions.fields].sort(), replaced: [...unions.replaced] }).toEqual({ fields: ['tags', 'title'], replaced: ['title'] });
      await repo.update('a', { tags: ['x'] });
      const removal = await t.store.sync.transaction((tx) => tx.pendingChanges('todos', 'a'));
      expect([...removal.replaced].sort()).toEqual(['tags', 'title']);
    });

    it('a rolled-back sync transaction leaves nothing', async () => {
      await expect(
        t.store.sync.transaction(async (tx) => {
          await tx.writeRow('todos', { id: 'r', data: todoInput(), serverTime: 1, deleted: false, syncStatus: 'synced' });
          await tx.setMeta('checkpoint', 'x');
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      expect(await t.store.repo(todos).read('r')).toBeUndefined();
      expect(await t.store.sync.transaction((tx) => tx.getMeta('checkpoint'))).toBeUndefined();
    });
  });

  describe('quarantine and meta', () => {
    it('quarantines raw documents (one entry per path, latest wins), listed newest first', async () => {
      await t.store.sync.transaction(async (tx) => {
        await tx.quarantine({ collection: 'todos', path: 'lists/l1/todos/x', reason: 'title: too short', raw: { title: '', at: new Date(0), big: 10n } });
        await tx.quarantine({ collection: 'todos', path: 'lists/l1/todos/y', reason: 'bad', raw: null });
      });
      t.clock.set(T0 + 1000);
      await t.store.sync.transaction((tx) => tx.quarantine({ collection: 'todos', path: 'lists/l1/todos/x', reason: 'still bad', raw: [1] }));
      expect(await t.store.sync.quarantineCount()).toBe(2);
      const entries = await t.store.sync.listQuarantine();
      expect(entries).toEqual([
        { collection: 'todos', path: 'lists/l1/todos/x', reason: 'still bad', raw: [1], at: T0 + 1000 },
        { collection: 'todos', path: 'lists/l1/todos/y', reason: 'bad', raw: null, at: T0 + 1 },
      ]);
      expect(await t.store.sync.listQuarantine(1)).toHaveLength(1);
    });

    it('keeps a cyclic raw value as far as it can', async () => {
      const cyclic: Record<string, unknown> = { a: 1, f: () => 1 };
      cyclic.self = cyclic;
      await t.store.sync.transaction((tx) => tx.quarantine({ collection: 'todos', path: 'p', reason: 'r', raw: cyclic }));
      expect((await t.store.sync.listQuarantine())[0]?.raw).toEqual({ a: 1, self: '[circular]' });
    });

    it('gets and sets meta values; schemaVersion is owned by the migrations', async () => {
      await t.store.sync.transaction((tx) => tx.setMeta('checkpoint:todos', '{"serverTime":1}'));
      await t.store.sync.transaction((tx) => tx.setMeta('checkpoint:todos', '{"serverTime":2}'));
      expect(await t.store.sync.transaction((tx) => tx.getMeta('checkpoint:todos'))).toBe('{"serverTime":2}');
      expect(await t.store.sync.transaction((tx) => tx.getMeta('missing'))).toBeUndefined();
      await expect(t.store.sync.transaction((tx) => tx.setMeta('schemaVersion', '9'))).rejects.toSatisfy((e) => isLocalfireError(e, 'precondition'));
    });
  });

  describe('stats, cache and timers', () => {
    it('outboxStats counts pending and failed entries and the oldest time', async () => {
      expect(await t.store.sync.outboxStats()).toEqual({ pending: 0, failed: 0, oldestAt: null });
      await t.store.repo(todos).create(todoInput({ id: 'a' }));
      await t.store.repo(todos).create(todoInput({ id: 'b' }));
      expect(await t.store.sync.outboxStats()).toEqual({ pending: 2, failed: 0, oldestAt: T0 });
    });

    it('cacheStats counts live rows per collection and the database size', async () => {
      await t.store.repo(todos).create(todoInput({ id: 'a' }));
      await t.store.repo(todos).create(todoInput({ id: 'b' }));
      await t.store.repo(todos).delete('b');
      const stats = await t.store.sync.cacheStats();
      expect(stats.rows).toEqual({ todos: 1, lists: 0 });
      expect(stats.bytes).toBeGreaterThan(0);
      expect(stats.bytes % 4096).toBe(0);
    });

    it('statusCounts reads the outbox, quarantine and cache counters together', async () => {
      await t.store.repo(todos).create(todoInput({ id: 'a' }));
      await t.store.sync.transaction((tx) => tx.quarantine({ collection: 'todos', path: 'todos/bad', reason: 'no title', raw: { x: 1 } }));
      const counts = await t.store.sync.statusCounts();
      expect(counts.outbox).toEqual({ pending: 1, failed: 0, oldestAt: T0 });
      expect(counts.quarantined).toBe(1);
      expect(counts.cache.rows).toEqual({ todos: 1, lists: 0 });
      expect(counts.cache.bytes).toBe((await t.store.sync.cacheStats()).bytes);
    });

    it('clearCache removes synced rows of evictable collections only, never a row with an outbox entry', async () => {
      const write = (collection: string, id: string, data: Record<string, unknown>) =>
        t.store.sync.transaction((tx) => tx.writeRow(collection, { id, data, serverTime: 1, deleted: false, syncStatus: 'synced' }));
      await write('todos', 'synced', todoInput());
      await write('todos', 'edited', todoInput());
      await t.store.repo(todos).update('edited', { title: 'local edit' });
      await t.store.repo(todos).create(todoInput({ id: 'new' }));
      await write('lists', 'l1', { name: 'home', ownerId: 'u' });
      // A synced-looking row that still has an entry (status overwritten by the engine).
      await t.store.repo(todos).create(todoInput({ id: 'sneaky' }));
      await write('todos', 'sneaky', todoInput());
      expect(await t.store.sync.clearCache()).toEqual({ todos: 1 });
      expect((await t.store.repo(todos).readAll()).map((r) => r.id).sort()).toEqual(['edited', 'new', 'sneaky']);
      expect(await t.store.repo(lists).count()).toBe(1);
      expect(await t.store.sync.clearCache()).toEqual({ todos: 0 });
    });

    it('nextWakeAt is the earliest backoff among pending entries not yet ready', async () => {
      expect(await t.store.sync.nextWakeAt(T0)).toBeNull();
      await t.store.repo(todos).create(todoInput({ id: 'a' }));
      await t.store.repo(todos).create(todoInput({ id: 'b' }));
      await t.store.repo(todos).create(todoInput({ id: 'c' }));
      const [sa, sb, sc] = await seqs();
      await t.store.sync.transaction(async (tx) => {
        await tx.recordFailure([sa!], { kind: 'offline', message: '', nextAttemptAt: T0 + 9000 });
        await tx.recordFailure([sb!], { kind: 'offline', message: '', nextAttemptAt: T0 + 4000 });
        await tx.recordFailure([sc!], { kind: 'offline', message: '', nextAttemptAt: null });
      });
      expect(await t.store.sync.nextWakeAt(T0 + 100)).toBe(T0 + 4000);
      expect(await t.store.sync.nextWakeAt(T0 + 4000)).toBe(T0 + 9000);
      expect(await t.store.sync.nextWakeAt(T0 + 9000)).toBeNull();
    });
  });

  describe('notifications', () => {
    it('onOutboxChange fires after commits that changed the outbox, never after a rollback or unsubscribe', async () => {
      let calls = 0;
      const stop = t.store.sync.onOutboxChange(() => calls++);
      await t.store.repo(todos).create(todoInput({ id: 'a' }));
      expect(calls).toBe(1);
      await t.store.sync.transaction((tx) => tx.setMeta('k', 'v'));
      expect(calls).toBe(1);
      await expect(
        t.store.transaction(async (tx) => {
          await tx.repo(todos).create(todoInput({ id: 'b' }));
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      expect(calls).toBe(1);
      const [s1] = await seqs();
      await t.store.sync.transaction((tx) => tx.ack([{ seq: s1!, serverTime: 1 }]));
      expect(calls).toBe(2);
      stop();
      await t.store.repo(todos).create(todoInput({ id: 'c' }));
      expect(calls).toBe(2);
    });

    it('a transaction that changes more rows than are tracked one by one still refreshes live queries', async () => {
      const values: number[] = [];
      const stop = t.store.repo(todos).observeQuery({ where: { listId: 'l1' }, limit: 500 }).subscribe((rows) => values.push(rows.length));
      await settle(t.store);
      await t.store.sync.transaction(async (tx) => {
        for (let i = 0; i < 300; i++) await tx.writeRow('todos', { id: `r${i}`, data: todoInput(), serverTime: i, deleted: false, syncStatus: 'synced' });
        await tx.ack([]);
      });
      await settle(t.store);
      expect(values).toEqual([0, 300]);
      stop();
    });

    it('a sync transaction notifies live queries once per commit', async () => {
      const values: number[] = [];
      const stop = t.store.repo(todos).observeQuery({ where: { listId: 'l1' } }).subscribe((rows) => values.push(rows.length));
      await settle(t.store);
      await t.store.sync.transaction(async (tx) => {
        for (const id of ['a', 'b', 'c']) await tx.writeRow('todos', { id, data: todoInput(), serverTime: 1, deleted: false, syncStatus: 'synced' });
      });
      await settle(t.store);
      await t.store.sync.transaction((tx) => tx.writeRow('todos', { id: 'z', data: todoInput({ listId: 'l9' }), serverTime: 1, deleted: false, syncStatus: 'synced' }));
      await t.store.sync.clearCache();
      await settle(t.store);
      expect(values).toEqual([0, 3, 0]);
      stop();
    });
  });
});
