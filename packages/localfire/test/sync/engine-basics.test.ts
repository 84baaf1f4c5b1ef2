import { afterEach, describe, expect, it } from 'vitest';
import { LocalfireError } from '../../src/index.js';
import type { Checkpoint, LocalStore, RemotePort, RemoteStall, SyncStore } from '../../src/index.js';
import { checkpointMetaKey, scopeKey } from '../../src/sync/scope-key.js';
import { createMemoryBackend } from '../../src/testing/index.js';
import { lists, todos } from '../fixtures/todo.js';
import { countingRemote, list, liveRows, newBackend, openDevice, serverRows, settled, todo, until } from './helpers.js';
import type { Device } from './helpers.js';

describe('sync engine over the in-memory remote', () => {
  const open: Device[] = [];
  afterEach(async () => {
    for (const d of open.splice(0)) await d.close();
  });
  const device = async (...args: Parameters<typeof openDevice>) => {
    const d = await openDevice(...args);
    open.push(d);
    return d;
  };

  it('pushes a local write, acknowledges it and marks the row synced with the server time', async () => {
    const backend = newBackend();
    const a = await device(backend);
    await a.store.repo(lists).create(list('l1'));
    await a.store.repo(todos).create(todo('l1', 't1', { tags: ['x'] }));
    await settled(a);
    const row = await a.store.repo(todos).read('t1');
    expect(row?.$meta.syncStatus).toBe('synced');
    expect(row?.$meta.serverTimestamp).not.toBeNull();
    expect(serverRows(backend, 'todos')).toEqual(await liveRows(a.store, 'todos'));
    expect(a.engine.status.get()).toMatchObject({ pendingCount: 0, failedCount: 0, online: true, running: true });
    const types = a.engine.log.entries().map((e) => e.type);
    expect(types).toContain('sync-started');
    expect(types).toContain('sync-succeeded');
  });

  it('pulls added, modified and deleted documents from another device into the local store', async () => {
    const backend = newBackend();
    const a = await device(backend);
    const b = await device(backend);
    await a.store.repo(lists).create(list('l1'));
    await a.store.repo(todos).create(todo('l1', 't1'));
    await a.store.repo(todos).create(todo('l1', 't2'));
    await until(async () => (await b.store.repo(todos).readAll()).length === 2, 'b sees the todos');
    await a.store.repo(todos).update('t1', { title: 'renamed', done: true });
    await a.store.repo(todos).delete('t2');
    await until(async () => (await b.store.repo(todos).read('t1'))?.title === 'renamed', 'b sees the rename');
    await until(async () => (await b.store.repo(todos).read('t2')) === undefined || (await b.store.repo(todos).read('t2'))?.$meta.deleted === true, 'b sees the delete');
    await settled(a);
    await b.engine.whenIdle();
    expect(await liveRows(b.store, 'todos')).toEqual(serverRows(backend, 'todos'));
    expect(await liveRows(b.store, 'todos')).toEqual(await liveRows(a.store, 'todos'));
    const t1 = await b.store.repo(todos).read('t1');
    expect(t1?.$meta.syncStatus).toBe('synced');
  });

  it('a live query on the other device updates once per pulled batch, with the new data', async () => {
    const backend = newBackend();
    const a = await device(backend);
    const b = await device(backend);
    await a.store.repo(lists).create(list('l1'));
    await until(async () => (await b.store.repo(lists).read('l1')) !== undefined, 'b has the list');
    const seen: string[][] = [];
    const unsubscribe = b.store.repo(todos).observe().subscribe((rows) => seen.push(rows.map((r) => r.id)));
    await a.store.transaction(async (tx) => {
      for (let i = 0; i < 5; i++) await tx.repo(todos).create(todo('l1', `t${i}`));
    });
    await until(() => seen.some((ids) => ids.length === 5), 'b observes all five');
    unsubscribe();
    expect(seen.filter((ids) => ids.length > 0 && ids.length < 5)).toEqual([]);
  });

  it('stop() releases every subscription, listener and timer; start() again resumes', async () => {
    const backend = newBackend();
    const remote = countingRemote(backend.connect({ userId: 'u1' }));
    const a = await device(backend, { remote });
    await a.store.repo(lists).create(list('l1'));
    await until(() => remote.openSubscriptions() === 2, 'lists and todos of l1 subscribed');
    await a.engine.stop();
    expect(remote.openSubscriptions()).toBe(0);
    expect(a.engine.status.get()).toMatchObject({ running: false, subscriptions: 0, syncing: false });
    await a.store.repo(todos).create(todo('l1', 'late'));
    await new Promise((r) => setTimeout(r, 20));
    expect(serverRows(backend, 'todos')).toEqual([]);
    await a.engine.start();
    await settled(a);
    expect(serverRows(backend, 'todos').map((t) => t['id'])).toEqual(['late']);
  });

  it('stop() waits for the status refresh a batch still being applied asks for: nothing runs after it resolves', async () => {
    let gate: Promise<void> | null = null;
    let atGate = false;
    let statsStarted = 0;
    let statsDone = 0;
    const wrapStore = (store: LocalStore): LocalStore => {
      const sync = store.sync;
      const wrapped: SyncStore = {
        ...sync,
        transaction: async (fn) => {
          if (gate) {
            atGate = true;
            await gate;
          }
          return sync.transaction(fn);
        },
        statusCounts: async () => {
          statsStarted++;
          try {
            return await sync.statusCounts();
          } finally {
            statsDone++;
          }
        },
      };
      return Object.assign(Object.create(store) as LocalStore, { sync: wrapped });
    };
    const backend = newBackend();
    const a = await device(backend);
    const b = await device(backend, { wrapStore });
    await a.store.repo(lists).create(list('l1'));
    await until(async () => (await b.store.repo(lists).read('l1')) !== undefined, 'b has l1');
    await b.engine.whenIdle();

    let open: () => void = () => undefined;
    gate = new Promise<void>((resolve) => (open = resolve));
    await a.store.repo(todos).create(todo('l1', 't1'));
    await until(() => atGate, 'b is applying the pulled batch');
    const stopping = b.engine.stop();
    open();
    await stopping;
    expect(statsStarted).toBe(statsDone);
  });

  it('status reports cache counts, pending age and syncing; clearCache never drops a pending or failed write', async () => {
    let now = Date.UTC(2026, 0, 1);
    const backend = createMemoryBackend({ collections: [todos, lists], rules: ({ path, op }) => !(op === 'write' && path.endsWith('/denied')) });
    const a = await device(backend, { clock: () => now });
    const syncing: boolean[] = [];
    const off = a.engine.status.subscribe((s) => syncing.push(s.syncing));
    await a.store.repo(lists).create(list('l1'));
    for (let i = 0; i < 3; i++) await a.store.repo(todos).create(todo('l1', `s${i}`));
    await settled(a);
    await a.store.repo(todos).create(todo('l1', 'denied'));
    await until(() => a.engine.status.get().failedCount === 1, 'denied write failed');
    a.remote.setOnline(false);
    await a.store.repo(todos).create(todo('l1', 'pending'));
    now += 5000;
    await a.engine.forceSync().catch(() => undefined);
    await until(() => a.engine.status.get().pendingCount === 1, 'pending counted');
    const status = a.engine.status.get();
    expect(status.cache.rows).toEqual({ todos: 5, lists: 1 });
    expect(status.cache.bytes).toBeGreaterThan(0);
    expect(status.oldestPendingAt).not.toBeNull();
    expect(status.oldestPendingAgeMs).toBeGreaterThanOrEqual(5000);
    expect(syncing).toContain(true);
    expect(status.syncing).toBe(false);
    off();

    const removed = await a.engine.clearCache();
    expect(removed['todos']).toBe(3);
    const left = (await a.store.repo(todos).readAll()).map((t) => t.id).sort();
    expect(left).toEqual(['denied', 'pending']);
    expect(await a.store.repo(lists).read('l1')).toBeDefined(); // not evictable
    expect(a.engine.log.entries().some((e) => e.type === 'cache-evicted' && e.collection === 'todos' && e.count === 3)).toBe(true);
    expect(a.engine.status.get().cache.rows['todos']).toBe(2);
    a.remote.setOnline(true);
    await settled(a);
    expect(serverRows(backend, 'todos').map((t) => t['id'])).toContain('pending');
  });

  it('forceSync() reopens a subscription that failed for good (denied), as its contract says', async () => {
    let denyL2 = true;
    const backend = createMemoryBackend({ collections: [todos, lists], rules: ({ path, op }) => !(denyL2 && op === 'read' && path.startsWith('lists/l2/')) });
    const a = await device(backend, { engine: { backoff: { baseMs: 5 } } });
    await a.store.repo(lists).create(list('l2'));
    await until(() => a.engine.log.entries().some((e) => e.type === 'subscription-failed' && e.error.kind === 'permission-denied'), 'denied scope reported');
    const other = backend.connect({ userId: 'u1' });
    await other.write([{ mutationId: 'm', collection: 'todos', id: 't9', path: 'lists/l2/todos/t9', op: 'set', fields: { listId: { op: 'set', value: 'l2' }, title: { op: 'set', value: 'nine' }, done: { op: 'set', value: false }, position: { op: 'set', value: 1 }, tags: { op: 'set', value: [] } } }]);
    denyL2 = false;
    await a.engine.forceSync();
    await until(async () => (await a.store.repo(todos).read('t9')) !== undefined, 'the reopened scope delivers');
    await other.close();
  });

  it('a denied subscription is reported; a retryable subscription error resubscribes from the checkpoint', async () => {
    const backend = createMemoryBackend({ collections: [todos, lists], rules: ({ path, op }) => !(op === 'read' && path.startsWith('lists/l2/')) });
    const remote = backend.connect({ userId: 'u1' });
    const subscribe = remote.subscribe.bind(remote);
    const opened: (Checkpoint | null)[] = [];
    let failOnce: ((e: LocalfireError) => void) | null = null;
    remote.subscribe = ((scope, from, handlers) => {
      if (scope.collection === 'lists') {
        opened.push(from);
        failOnce = (e) => handlers.onError(e);
      }
      return subscribe(scope, from, handlers);
    }) satisfies RemotePort['subscribe'];
    const a = await device(backend, { remote, engine: { backoff: { baseMs: 5 } } });
    await a.store.repo(lists).create(list('l1'));
    await a.store.repo(lists).create(list('l2'));
    await until(() => a.engine.log.entries().some((e) => e.type === 'subscription-failed' && e.error.kind === 'permission-denied'), 'denied scope reported');
    expect(a.engine.status.get().lastError?.kind).toBe('permission-denied');
    const retryIn = a.engine.log.entries().find((e) => e.type === 'subscription-failed');
    expect(retryIn?.type === 'subscription-failed' && retryIn.retryInMs).toBeNull();

    await settled(a);
    await until(async () => (await a.store.sync.transaction((tx) => tx.getMeta(checkpointMetaKey(scopeKey({ collection: 'lists', filters: [{ field: 'ownerId', op: '==', value: 'u1' }] }))))) !== undefined, 'lists checkpoint stored');
    (failOnce as ((e: LocalfireError) => void) | null)?.(new LocalfireError('internal', 'stream reset'));
    await until(() => opened.length === 2, 'resubscribed');
    expect(opened[1]).not.toBeNull();
    const other = backend.connect({ userId: 'u1' });
    await other.write([{ mutationId: 'm', collection: 'lists', id: 'l3', path: 'lists/l3', op: 'set', fields: { name: { op: 'set', value: 'three' }, ownerId: { op: 'set', value: 'u1' } } }]);
    await until(async () => (await a.store.repo(lists).read('l3')) !== undefined, 'the resubscribed stream delivers');
    await other.close();
  });
  it("logs the remote's stall-watchdog actions as 'stalled' events, and stops listening when stopped", async () => {
    const backend = newBackend();
    const stallListeners = new Set<(stall: RemoteStall) => void>();
    const base = backend.connect({ userId: 'u1' });
    const remote = Object.assign(Object.create(base) as typeof base, {
      onStall: (listener: (stall: RemoteStall) => void) => {
        stallListeners.add(listener);
        return () => stallListeners.delete(listener);
      },
    });
    const a = await device(backend, { remote });
    for (const l of stallListeners) l({ collection: 'todos', path: 'lists/l1/todos', attempts: 3, action: 'cycle-network' });
    expect(a.engine.log.entries().filter((e) => e.type === 'stalled')).toMatchObject([
      { type: 'stalled', collection: 'todos', path: 'lists/l1/todos', attempts: 3, action: 'cycle-network' },
    ]);
    await a.engine.stop();
    expect(stallListeners.size).toBe(0);
  });
});
