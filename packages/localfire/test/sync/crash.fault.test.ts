// Crash points: drop the engine and reopen the same SQLite file; nothing lost, nothing duplicated.
import { afterEach, describe, expect, it } from 'vitest';
import type { LocalStore, RemoteWrite, SyncStore, SyncTransaction, WriteAck } from '../../src/index.js';
import type { MemoryRemote } from '../../src/testing/index.js';
import { lists, todos } from '../fixtures/todo.js';
import { list, liveRows, newBackend, openDevice, serverRows, settled, tempDir, todo, until } from './helpers.js';
import type { Device } from './helpers.js';

/** A remote whose writes, once armed, reach the server and then never settle (the process "dies" before the ack). */
function landThenHang(remote: MemoryRemote): MemoryRemote & { arm(): void; landed(): number } {
  let armed = false;
  let landed = 0;
  const write = remote.write.bind(remote);
  remote.write = async (writes: readonly RemoteWrite[], options?: { readonly signal?: AbortSignal }): Promise<WriteAck[]> => {
    const acks = await write(writes, options);
    if (!armed) return acks;
    landed += writes.length;
    return new Promise<WriteAck[]>((_, reject) => options?.signal?.addEventListener('abort', () => reject(options.signal?.reason as Error)));
  };
  return Object.assign(remote, { arm: () => (armed = true), landed: () => landed });
}

/** A store whose pull transactions, once armed, throw after writing `after` rows (rolled back). */
function crashingApply(after: number): { wrap: (store: LocalStore) => LocalStore; arm(): void; crashed(): boolean } {
  let armed = false;
  let crashed = false;
  const wrapTx = (tx: SyncTransaction): SyncTransaction => {
    let written = 0;
    return {
      ...tx,
      writeRow: async (collection, row) => {
        if (armed && collection === 'todos' && ++written > after) {
          armed = false;
          crashed = true;
          throw new Error('simulated crash while applying a pulled batch');
        }
        return tx.writeRow(collection, row);
      },
    };
  };
  return {
    wrap(store) {
      const sync: SyncStore = { ...store.sync, transaction: (fn) => store.sync.transaction((tx) => fn(wrapTx(tx))) };
      return Object.assign(Object.create(store) as LocalStore, { sync });
    },
    arm: () => (armed = true),
    crashed: () => crashed,
  };
}

describe('crash points', () => {
  const open: Device[] = [];
  const dirs: (() => void)[] = [];
  afterEach(async () => {
    for (const d of open.splice(0)) await d.close();
    for (const cleanup of dirs.splice(0)) cleanup();
  });

  it('after the remote acknowledged a batch but before the outbox entries were deleted', async () => {
    const backend = newBackend();
    const tmp = tempDir();
    dirs.push(tmp.cleanup);
    const remote = landThenHang(backend.connect({ userId: 'u1' }));
    const a = await openDevice(backend, { filename: tmp.file('a.db'), remote });
    await a.store.repo(lists).create(list('l1'));
    await a.store.repo(todos).create(todo('l1', 't1', { tags: ['a'] }));
    await settled(a);

    remote.arm();
    await a.store.transaction(async (tx) => {
      await tx.repo(todos).update('t1', { title: 'edited' });
      await tx.repo(todos).addToSet('t1', { tags: ['b'] });
      await tx.repo(todos).create(todo('l1', 't2', { tags: ['c'] }));
    });
    await until(() => remote.landed() > 0, 'the batch reached the server');
    expect((await a.store.sync.outboxStats()).pending).toBeGreaterThan(0);
    await a.close(); // the process dies: the acknowledgement is never recorded

    const b = await openDevice(backend, { filename: tmp.file('a.db') });
    open.push(b);
    await settled(b);
    await b.engine.whenIdle();
    const docs = backend.documents().filter((d) => d.collection === 'todos');
    expect(docs.map((d) => d.id)).toEqual(['t1', 't2']);
    expect(serverRows(backend, 'todos')).toEqual([
      expect.objectContaining({ id: 't1', title: 'edited', tags: ['a', 'b'] }),
      expect.objectContaining({ id: 't2', tags: ['c'] }),
    ]);
    await until(async () => JSON.stringify(await liveRows(b.store, 'todos')) === JSON.stringify(serverRows(backend, 'todos')), 'local equals server');
    expect((await b.store.repo(todos).readAll()).every((t) => t.$meta.syncStatus === 'synced')).toBe(true);
    expect(await b.store.sync.listOutbox()).toEqual([]);
  });

  it('a lost acknowledgement is replayed without duplicating anything', async () => {
    const backend = newBackend();
    const a = await openDevice(backend);
    open.push(a);
    await a.store.repo(lists).create(list('l1'));
    await settled(a);
    a.remote.failNextWrites(1, 'internal', { afterCommit: true });
    await a.store.repo(todos).create(todo('l1', 't1', { tags: ['x'] }));
    await a.store.repo(todos).addToSet('t1', { tags: ['y'] });
    await a.engine.forceSync();
    await settled(a);
    expect(serverRows(backend, 'todos')).toEqual([expect.objectContaining({ id: 't1', tags: ['x', 'y'] })]);
    await until(async () => JSON.stringify(await liveRows(a.store, 'todos')) === JSON.stringify(serverRows(backend, 'todos')), 'local equals server');
  });

  it('in the middle of applying a pulled snapshot', async () => {
    const backend = newBackend();
    const tmp = tempDir();
    dirs.push(tmp.cleanup);
    const writer = await openDevice(backend);
    open.push(writer);
    await writer.store.repo(lists).create(list('l1'));
    await settled(writer);

    const fault = crashingApply(3);
    const b = await openDevice(backend, { filename: tmp.file('b.db'), wrapStore: fault.wrap });
    await until(async () => (await b.store.repo(lists).read('l1')) !== undefined, 'b has the list');
    await b.engine.whenIdle();
    fault.arm();
    await writer.store.transaction(async (tx) => {
      for (let i = 0; i < 10; i++) await tx.repo(todos).create(todo('l1', `t${i}`, { position: i }));
    });
    await settled(writer);
    await until(() => fault.crashed(), 'the apply crashed');
    expect(await b.store.repo(todos).readAll()).toEqual([]); // rolled back as a whole, checkpoint included
    await b.close();

    const again = await openDevice(backend, { filename: tmp.file('b.db') });
    open.push(again);
    await until(async () => (await again.store.repo(todos).readAll()).length === 10, 'resumed after the crash');
    await again.engine.whenIdle();
    expect(await liveRows(again.store, 'todos')).toEqual(serverRows(backend, 'todos'));
    expect(await again.store.sync.listOutbox()).toEqual([]);
  });
});
