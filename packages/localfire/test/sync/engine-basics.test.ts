import { afterEach, describe, expect, it } from 'vitest';
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
});
