import { afterEach, describe, expect, it } from 'vitest';
import type { RemoteChange, RemotePort, RemoteWrite, WriteAck } from '../../src/index.js';
import type { MemoryRemote } from '../../src/testing/index.js';
import { lists, todos } from '../fixtures/todo.js';
import { list, liveRows, newBackend, openDevice, serverRows, settled, tempDir, todo, until } from './helpers.js';
import type { Device } from './helpers.js';

/** Records every change the remote delivers to the engine. */
function recordDeliveries(remote: MemoryRemote): { changes: RemoteChange[] } {
  const changes: RemoteChange[] = [];
  const subscribe = remote.subscribe.bind(remote);
  remote.subscribe = ((scope, from, handlers) =>
    subscribe(scope, from, {
      onChanges: (batch, checkpoint) => {
        changes.push(...batch);
        return handlers.onChanges(batch, checkpoint);
      },
      onError: (e) => handlers.onError(e),
    })) satisfies RemotePort['subscribe'];
  return { changes };
}

const idOf = (c: RemoteChange) => ('doc' in c ? c.doc.id : c.id);

describe('pull', () => {
  const open: Device[] = [];
  const dirs: (() => void)[] = [];
  afterEach(async () => {
    for (const d of open.splice(0)) await d.close();
    for (const cleanup of dirs.splice(0)) cleanup();
  });
  const device = async (...args: Parameters<typeof openDevice>) => {
    const d = await openDevice(...args);
    open.push(d);
    return d;
  };

  it('never flickers a pending local edit back to an older server value; converges once acknowledged', async () => {
    const backend = newBackend();
    const remoteA = backend.connect({ userId: 'u1' });
    const write = remoteA.write.bind(remoteA);
    let release: (() => void) | null = null;
    let hold = false;
    remoteA.write = async (writes: readonly RemoteWrite[], options?: { readonly signal?: AbortSignal }): Promise<WriteAck[]> => {
      if (hold) await new Promise<void>((r) => (release = r));
      return write(writes, options);
    };
    const a = await device(backend, { remote: remoteA });
    const b = await device(backend);
    await a.store.repo(lists).create(list('l1'));
    await a.store.repo(todos).create(todo('l1', 't1', { title: 'original' }));
    await until(async () => (await b.store.repo(todos).read('t1')) !== undefined, 'b has t1');
    await settled(a);

    hold = true;
    const titles: string[] = [];
    const off = a.store.repo(todos).observe('t1').subscribe((t) => t && titles.push(t.title));
    await a.store.repo(todos).update('t1', { title: 'mine' });
    await until(() => release !== null, 'a push is in flight');
    await b.store.repo(todos).update('t1', { title: 'theirs', done: true });
    await settled(b);
    await until(async () => (await a.store.repo(todos).read('t1'))?.done === true, 'a pulled b’s change');
    expect((await a.store.repo(todos).read('t1'))?.title).toBe('mine');
    expect(a.engine.log.entries().some((e) => e.type === 'conflict-detected' && e.field === 'title' && e.resolution === 'kept-local')).toBe(true);

    hold = false;
    (release as (() => void) | null)?.();
    await settled(a);
    await until(async () => (await b.store.repo(todos).read('t1'))?.title === 'mine', 'b gets a’s later write');
    off();
    expect(titles.slice(titles.indexOf('mine'))).not.toContain('theirs');
    const expected = serverRows(backend, 'todos');
    expect(expected).toEqual([expect.objectContaining({ id: 't1', title: 'mine', done: true })]);
    expect(await liveRows(a.store, 'todos')).toEqual(expected);
    expect(await liveRows(b.store, 'todos')).toEqual(expected);
    expect((await a.store.repo(todos).read('t1'))?.$meta.syncStatus).toBe('synced');
  });

  it('an ack of entry 1 with entry 2 of the same document pending leaves the row pending with entry 2’s value', async () => {
    const backend = newBackend();
    const remoteA = backend.connect({ userId: 'u1' });
    const write = remoteA.write.bind(remoteA);
    const subscribe = remoteA.subscribe.bind(remoteA);
    let hold = false;
    const releases: (() => void)[] = [];
    const pulledTitles: string[] = [];
    // Writes reach the server at once; their acknowledgements are held back.
    remoteA.write = async (writes: readonly RemoteWrite[], options?: { readonly signal?: AbortSignal }): Promise<WriteAck[]> => {
      const acks = await write(writes, options);
      if (hold) await new Promise<void>((r) => releases.push(r));
      return acks;
    };
    remoteA.subscribe = ((scope, from, handlers) =>
      subscribe(scope, from, {
        onChanges: async (batch, checkpoint) => {
          await handlers.onChanges(batch, checkpoint);
          for (const c of batch) if (c.type === 'modified' && c.doc.id === 't1') pulledTitles.push(String(c.doc.data['title']));
        },
        onError: (e) => handlers.onError(e),
      })) satisfies RemotePort['subscribe'];
    const a = await device(backend, { remote: remoteA });
    await a.store.repo(lists).create(list('l1'));
    await a.store.repo(todos).create(todo('l1', 't1'));
    await settled(a);

    hold = true;
    await a.store.repo(todos).update('t1', { title: 'one' });
    await until(() => releases.length === 1, 'entry 1 landed, its ack is held');
    await a.store.repo(todos).update('t1', { title: 'two' });
    await until(() => pulledTitles.includes('one'), 'the snapshot of entry 1 was applied');
    expect((await a.store.repo(todos).read('t1'))?.title).toBe('two');
    releases.shift()?.();
    await until(() => releases.length === 1, 'entry 1 acknowledged; entry 2 landed, its ack is held');
    const row = await a.store.repo(todos).read('t1');
    expect(row?.title).toBe('two');
    expect(row?.$meta.syncStatus).toBe('pending');
    hold = false;
    releases.shift()?.();
    await settled(a);
    await a.engine.whenIdle();
    expect(await liveRows(a.store, 'todos')).toEqual(serverRows(backend, 'todos'));
    expect((await a.store.repo(todos).read('t1'))?.$meta.syncStatus).toBe('synced');
  });

  it('a pending removal from a union set never flickers back when an older snapshot is pulled', async () => {
    const backend = newBackend();
    const remoteA = backend.connect({ userId: 'u1' });
    const write = remoteA.write.bind(remoteA);
    let release: (() => void) | null = null;
    let hold = false;
    remoteA.write = async (writes: readonly RemoteWrite[], options?: { readonly signal?: AbortSignal }): Promise<WriteAck[]> => {
      if (hold) await new Promise<void>((r) => (release = r));
      return write(writes, options);
    };
    const a = await device(backend, { remote: remoteA });
    const b = await device(backend);
    await a.store.repo(lists).create(list('l1'));
    await a.store.repo(todos).create(todo('l1', 't1', { tags: ['keep', 'drop'] }));
    await until(async () => (await b.store.repo(todos).read('t1')) !== undefined, 'b has t1');
    await settled(a);

    hold = true;
    const seen: string[][] = [];
    const off = a.store.repo(todos).observe('t1').subscribe((t) => t && seen.push([...t.tags].sort()));
    await a.store.repo(todos).update('t1', { tags: ['keep'] });
    await until(() => release !== null, 'a push is in flight');
    await b.store.repo(todos).update('t1', { done: true });
    await settled(b);
    await until(async () => (await a.store.repo(todos).read('t1'))?.done === true, 'a pulled b’s older snapshot');
    expect((await a.store.repo(todos).read('t1'))?.tags).toEqual(['keep']);

    hold = false;
    (release as (() => void) | null)?.();
    await settled(a);
    await until(async () => (await b.store.repo(todos).read('t1'))?.tags.length === 1, 'b gets the removal');
    off();
    const removedAt = seen.findIndex((tags) => tags.length === 1);
    expect(removedAt).toBeGreaterThan(-1);
    expect(seen.slice(removedAt)).toEqual(seen.slice(removedAt).map(() => ['keep']));
    expect(await liveRows(a.store, 'todos')).toEqual(serverRows(backend, 'todos'));
    expect(await liveRows(b.store, 'todos')).toEqual(serverRows(backend, 'todos'));
  });

  it('a snapshot that already held an in-flight write is settled when the write is acknowledged', async () => {
    const backend = newBackend();
    const remoteA = backend.connect({ userId: 'u1' });
    const write = remoteA.write.bind(remoteA);
    let hold = false;
    let release: (() => void) | null = null;
    // The write reaches the server at once; only its acknowledgement is held back.
    remoteA.write = async (writes: readonly RemoteWrite[], options?: { readonly signal?: AbortSignal }): Promise<WriteAck[]> => {
      const acks = await write(writes, options);
      if (hold) await new Promise<void>((r) => (release = r));
      return acks;
    };
    const a = await device(backend, { remote: remoteA });
    const b = await device(backend);
    await a.store.repo(lists).create(list('l1'));
    await a.store.repo(todos).create(todo('l1', 't1'));
    await until(async () => (await b.store.repo(todos).read('t1')) !== undefined, 'b has t1');
    await settled(a);

    hold = true;
    await a.store.repo(todos).update('t1', { title: 'edited on a' });
    await until(() => release !== null, 'a’s write landed, its ack is held');
    await until(async () => (await b.store.repo(todos).read('t1'))?.title === 'edited on a', 'b sees a’s write');
    await b.store.repo(todos).delete('t1'); // ordered after a's write by the server
    await settled(b);
    await until(() => backend.documents().some((d) => d.id === 't1' && d.deleted), 'the server holds the delete');
    await until(async () => (await a.store.repo(todos).read('t1')) !== undefined, 'a still shows its pending edit');
    hold = false;
    (release as (() => void) | null)?.();
    await settled(a);
    await until(async () => (await a.store.repo(todos).read('t1')) === undefined, 'a applies the delete once its write is acknowledged');
    expect(await liveRows(a.store, 'todos')).toEqual(serverRows(backend, 'todos'));
  });

  it('quarantines a malformed document, reports it, and the stream goes on', async () => {
    const backend = newBackend();
    const a = await device(backend);
    const b = await device(backend);
    await a.store.repo(lists).create(list('l1'));
    await until(async () => (await b.store.repo(lists).read('l1')) !== undefined, 'b has l1');
    backend.injectRaw('lists/l1/todos/bad', { listId: 'l1', title: 42, done: 'no' });
    await a.store.repo(todos).create(todo('l1', 'good'));
    await until(async () => (await b.store.repo(todos).read('good')) !== undefined, 'the stream went on');
    await until(() => b.engine.status.get().quarantinedCount === 1, 'quarantine counted');
    const [entry] = await b.store.sync.listQuarantine();
    expect(entry).toMatchObject({ collection: 'todos', path: 'lists/l1/todos/bad' });
    expect(b.engine.log.entries().some((e) => e.type === 'quarantined' && e.path === 'lists/l1/todos/bad')).toBe(true);
    expect(await b.store.repo(todos).read('bad')).toBeUndefined();
  });

  it('resumes from its checkpoint after a restart: only the missed documents are downloaded', async () => {
    const backend = newBackend();
    const tmp = tempDir();
    dirs.push(tmp.cleanup);
    const writer = await device(backend);
    await writer.store.repo(lists).create(list('l1'));
    for (let i = 0; i < 10; i++) await writer.store.repo(todos).create(todo('l1', `t${i}`));
    await settled(writer);

    const first = await openDevice(backend, { filename: tmp.file('a.db') });
    await until(async () => (await first.store.repo(todos).readAll()).length === 10, 'first sync');
    await first.engine.whenIdle();
    await first.close();

    await writer.store.repo(todos).update('t3', { done: true });
    await writer.store.repo(todos).create(todo('l1', 'new1'));
    await writer.store.repo(todos).create(todo('l1', 'new2'));
    await writer.store.repo(todos).delete('t4');
    await settled(writer);

    const remote = backend.connect({ userId: 'u1' });
    const { changes } = recordDeliveries(remote);
    const again = await device(backend, { filename: tmp.file('a.db'), remote });
    await until(async () => (await again.store.repo(todos).read('new2')) !== undefined, 'resumed');
    await until(async () => (await again.store.repo(todos).read('t4'))?.$meta.deleted !== false, 'tombstone pulled');
    await again.engine.whenIdle();
    expect(changes.map(idOf).sort()).toEqual(['new1', 'new2', 't3', 't4']);
    expect(again.engine.log.entries().filter((e) => e.type === 'subscription-opened').every((e) => e.type === 'subscription-opened' && e.resumed)).toBe(true);
    expect(await liveRows(again.store, 'todos')).toEqual(serverRows(backend, 'todos'));
  });

  it('a pulled delete tombstones the row; a delivered "removed" purges it', async () => {
    const backend = newBackend();
    const a = await device(backend);
    const b = await device(backend);
    await a.store.repo(lists).create(list('l1'));
    await a.store.repo(lists).create(list('l2'));
    await a.store.repo(todos).create(todo('l1', 't1'));
    await until(async () => (await b.store.repo(todos).read('t1')) !== undefined && (await b.store.repo(lists).read('l2')) !== undefined, 'b synced');
    await a.store.repo(todos).delete('t1');
    await until(async () => (await b.store.repo(todos).read('t1')) === undefined, 'tombstone hides t1');
    // l2 leaves b's scope (owner changes on the server): b receives `removed` and purges it.
    const remote = backend.connect({ userId: 'someone-else' });
    await remote.write([{ mutationId: 'x', collection: 'lists', id: 'l2', path: 'lists/l2', op: 'set', fields: { ownerId: { op: 'set', value: 'other' } } }]);
    await until(async () => (await b.store.repo(lists).readAll()).every((l) => l.id !== 'l2'), 'l2 purged');
    await remote.close();
  });

  it('two devices converge; LWW follows server time whatever the device clocks say', async () => {
    const backend = newBackend();
    const DAY = 86_400_000;
    const a = await device(backend, { clock: () => Date.now() + DAY });
    const b = await device(backend, { clock: () => Date.now() - DAY });
    await a.store.repo(lists).create(list('l1'));
    await a.store.repo(todos).create(todo('l1', 't1'));
    await until(async () => (await b.store.repo(todos).read('t1')) !== undefined, 'b has t1');
    await a.store.repo(todos).update('t1', { title: 'from a (clock ahead)' });
    await settled(a);
    await b.store.repo(todos).update('t1', { title: 'from b (clock behind), later' });
    await settled(b);
    await until(async () => (await a.store.repo(todos).read('t1'))?.title === 'from b (clock behind), later', 'a converges to the later server write');
    await a.engine.whenIdle();
    await b.engine.whenIdle();
    expect(await liveRows(a.store, 'todos')).toEqual(serverRows(backend, 'todos'));
    expect(await liveRows(b.store, 'todos')).toEqual(serverRows(backend, 'todos'));
  });

  it('offline: 20 writes stay pending, then reach the other device once each, in order', async () => {
    const backend = newBackend();
    const a = await device(backend);
    const remoteB = backend.connect({ userId: 'u1' });
    const { changes } = recordDeliveries(remoteB);
    const b = await device(backend, { remote: remoteB });
    await a.store.repo(lists).create(list('l1'));
    await until(async () => (await b.store.repo(lists).read('l1')) !== undefined, 'b has l1');
    a.remote.setOnline(false);
    for (let i = 1; i <= 20; i++) await a.store.repo(todos).create(todo('l1', `m${String(i).padStart(2, '0')}`, { position: i }));
    await a.engine.whenIdle();
    expect(a.engine.status.get()).toMatchObject({ online: false, pendingCount: 20 });
    expect((await a.store.repo(todos).readAll()).every((t) => t.$meta.syncStatus === 'pending')).toBe(true);
    expect(serverRows(backend, 'todos')).toEqual([]);
    a.remote.setOnline(true);
    await settled(a);
    await until(async () => (await b.store.repo(todos).readAll()).length === 20, 'b has all 20');
    const received = changes.filter((c) => c.type !== 'removed' && c.type !== 'invalid' && c.doc.collection === 'todos').map(idOf);
    expect(received).toEqual(Array.from({ length: 20 }, (_, i) => `m${String(i + 1).padStart(2, '0')}`));
    const positions = (await b.store.repo(todos).query({ orderBy: [['position', 'asc']] })).map((t) => t.id);
    expect(positions).toEqual(received);
    expect(await liveRows(b.store, 'todos')).toEqual(serverRows(backend, 'todos'));
  });
});
