// A failed write never blocks its document for good: a later covering write supersedes it;
// otherwise the document is blocked (listed with its cause) until the app retries or
// discards it. Over the in-memory remote, whose rules refuse writes to chosen paths.
import { afterEach, describe, expect, it } from 'vitest';
import { LocalfireError, isLocalfireError } from '../../src/index.js';
import type { FailedWrite } from '../../src/index.js';
import { createMemoryBackend } from '../../src/testing/index.js';
import type { MemoryBackend } from '../../src/testing/index.js';
import { lists, todos } from '../fixtures/todo.js';
import { list, openDevice, serverRows, settled, todo, until } from './helpers.js';
import type { Device } from './helpers.js';

const T1 = 'lists/l1/todos/t1';

function backendWithRules(): MemoryBackend & { deny(path: string): void; allow(path: string): void } {
  const denied = new Set<string>();
  const backend = createMemoryBackend({ collections: [todos, lists], rules: (r) => !(r.op === 'write' && denied.has(r.path)) });
  return Object.assign(backend, { deny: (p: string) => denied.add(p), allow: (p: string) => denied.delete(p) });
}

const serverTodo = (backend: MemoryBackend, id = 't1') => serverRows(backend, 'todos').find((r) => r['id'] === id);

describe('failed writes: superseded, blocked, retried, discarded', () => {
  const open: Device[] = [];
  afterEach(async () => {
    for (const d of open.splice(0)) await d.close();
  });

  /** A device with list l1 and todo t1 synced (title "orig"). */
  async function setup() {
    const backend = backendWithRules();
    const d = await openDevice(backend);
    open.push(d);
    await d.store.repo(lists).create(list('l1'));
    await d.store.repo(todos).create(todo('l1', 't1', { title: 'orig', tags: ['a'] }));
    await settled(d);
    return { backend, d, repo: d.store.repo(todos) };
  }

  const failedOf = (d: Device) => d.engine.failedWrites.get();
  const untilFailed = (d: Device, id = 't1') => until(async () => (await d.store.repo(todos).read(id))?.$meta.syncStatus === 'failed', `${id} failed`);

  it('a later write covering every field of the failed one supersedes it: the later write goes out', async () => {
    const { backend, d, repo } = await setup();
    backend.deny(T1);
    await repo.update('t1', { title: 'rejected' });
    await untilFailed(d);
    expect(await failedOf(d)).toMatchObject([{ collection: 'todos', id: 't1', error: { kind: 'permission-denied' }, waiting: 0, isCreate: false, row: { title: 'rejected' } }]);
    backend.allow(T1);
    const after = await repo.update('t1', { title: 'fixed' });
    expect(after.$meta.syncStatus).toBe('pending');
    await settled(d);
    expect(serverTodo(backend)?.['title']).toBe('fixed');
    expect((await repo.read('t1'))?.$meta.syncStatus).toBe('synced');
    expect(await failedOf(d)).toEqual([]);
    expect(await d.store.sync.listOutbox()).toEqual([]);
  });

  it('a later write that does not cover it leaves the document blocked with its cause; retry pushes both', async () => {
    const { backend, d, repo } = await setup();
    backend.deny(T1);
    await repo.update('t1', { title: 'rejected' });
    await untilFailed(d);
    backend.allow(T1);
    const later = await repo.update('t1', { done: true });
    expect(later.$meta.syncStatus).toBe('failed');
    await d.engine.whenIdle();
    expect(serverTodo(backend)).toMatchObject({ title: 'orig', done: false });
    expect(await failedOf(d)).toMatchObject([{ id: 't1', waiting: 1, error: { kind: 'permission-denied' }, row: { title: 'rejected', done: true } }]);
    expect(await d.engine.retry({ collection: 'todos', id: 't1' })).toBe(1);
    await settled(d);
    expect(serverTodo(backend)).toMatchObject({ title: 'rejected', done: true });
    expect((await repo.read('t1'))?.$meta.syncStatus).toBe('synced');
    expect(await failedOf(d)).toEqual([]);
  });

  it('a later patch naming the failed fields covers them even where its values are unchanged (a second preview by the same sender)', async () => {
    const { backend, d, repo } = await setup();
    backend.deny(T1);
    await repo.update('t1', { title: 'first preview', done: true });
    await untilFailed(d);
    backend.allow(T1);
    // `done` stays true locally: the patch names it, so the write carries it and covers the failed one.
    expect((await repo.update('t1', { title: 'second preview', done: true })).$meta.syncStatus).toBe('pending');
    await settled(d);
    expect(serverTodo(backend)).toMatchObject({ title: 'second preview', done: true });
    expect(await failedOf(d)).toEqual([]);
  });

  it('a later union does not cover a failed replacement of a set (a removal is never lost)', async () => {
    const { backend, d, repo } = await setup();
    backend.deny(T1);
    await repo.update('t1', { tags: [] });
    await untilFailed(d);
    backend.allow(T1);
    expect((await repo.addToSet('t1', { tags: ['b'] })).$meta.syncStatus).toBe('failed');
    expect(await failedOf(d)).toMatchObject([{ id: 't1', waiting: 1 }]);
    await d.engine.retry({ collection: 'todos', id: 't1' });
    await settled(d);
    expect(serverTodo(backend)?.['tags']).toEqual(['b']);
  });

  it('a failed write superseded when it gives up: later covering writes already queued go out', async () => {
    const { backend, d, repo } = await setup();
    d.remote.setOnline(false);
    await repo.update('t1', { title: 'first' });
    await repo.update('t1', { title: 'second' });
    // The batch [first, second] is refused, then [first] alone: it fails for good, and is superseded.
    d.remote.failNextWrites(2, 'permission-denied');
    d.remote.setOnline(true);
    await until(() => serverTodo(backend)?.['title'] === 'second', 'the later write reached the server');
    await settled(d);
    expect((await repo.read('t1'))?.$meta.syncStatus).toBe('synced');
    expect(d.engine.log.entries().map((e) => e.type)).toContain('write-superseded');
    expect(await failedOf(d)).toEqual([]);
  });

  it("discard restores the server's version, including server changes pulled while the write was failed", async () => {
    const { backend, d, repo } = await setup();
    backend.deny(T1);
    await repo.update('t1', { title: 'rejected' });
    await untilFailed(d);
    // Someone else (server code) marks it done meanwhile; the device pulls it beside its failed edit.
    const stored = backend.documents().find((doc) => doc.path === T1);
    backend.injectRaw(T1, { ...stored?.data, done: true });
    await until(async () => (await repo.read('t1'))?.done === true, 'pulled the server change');
    expect((await repo.read('t1'))?.title).toBe('rejected');
    expect(await d.engine.discard({ collection: 'todos', id: 't1' })).toEqual({ discarded: 1, row: 'restored' });
    expect(await repo.read('t1')).toMatchObject({ title: 'orig', done: true, tags: ['a'], $meta: { syncStatus: 'synced' } });
    expect(await d.store.sync.listOutbox()).toEqual([]);
    expect(await failedOf(d)).toEqual([]);
    expect(d.engine.status.get().failedCount).toBe(0);
  });

  it('discard keeps later writes of the document, on top of the server version, and they go out', async () => {
    const { backend, d, repo } = await setup();
    backend.deny(T1);
    await repo.update('t1', { title: 'rejected' });
    await untilFailed(d);
    backend.allow(T1);
    await repo.update('t1', { done: true });
    expect(await d.engine.discard({ collection: 'todos', id: 't1' })).toEqual({ discarded: 1, row: 'restored' });
    expect(await repo.read('t1')).toMatchObject({ title: 'orig', done: true });
    await settled(d);
    expect(serverTodo(backend)).toMatchObject({ title: 'orig', done: true });
    expect((await repo.read('t1'))?.$meta.syncStatus).toBe('synced');
  });

  it('discard keeps what the server acknowledged of earlier writes of the document', async () => {
    const backend = backendWithRules();
    const remote = backend.connect({ userId: 'u1' });
    const write = remote.write.bind(remote);
    // A write that marks the todo done is refused (a rule on that field); others pass.
    remote.write = (writes, options) =>
      writes.some((w) => w.fields['done']?.op === 'set' && w.fields['done'].value === true) ? Promise.reject(new LocalfireError('permission-denied', 'done is not yours')) : write(writes, options);
    // And the echo of t1 never arrives: what the device keeps of the server's version comes from the acknowledgement alone.
    let hideEchoes = false;
    const subscribe = remote.subscribe.bind(remote);
    remote.subscribe = (scope, from, handlers) =>
      subscribe(scope, from, { ...handlers, onChanges: (changes, checkpoint) => handlers.onChanges(hideEchoes ? changes.filter((c) => c.type === 'removed' || c.type === 'invalid' || c.doc.id !== 't1') : changes, checkpoint) });
    const d = await openDevice(backend, { remote });
    open.push(d);
    const repo = d.store.repo(todos);
    await d.store.repo(lists).create(list('l1'));
    await repo.create(todo('l1', 't1', { title: 'orig' }));
    await settled(d);
    remote.setOnline(false);
    hideEchoes = true;
    await repo.update('t1', { title: 'accepted' });
    await repo.update('t1', { done: true });
    remote.setOnline(true);
    await untilFailed(d);
    expect(serverTodo(backend)).toMatchObject({ title: 'accepted', done: false });
    expect(await d.engine.discard({ collection: 'todos', id: 't1' })).toEqual({ discarded: 1, row: 'restored' });
    expect(await repo.read('t1')).toMatchObject({ title: 'accepted', done: false, $meta: { syncStatus: 'synced' } });
  });

  it('discarding a failed create removes the row and every later write of it', async () => {
    const { backend, d, repo } = await setup();
    backend.deny('lists/l1/todos/t2');
    await repo.create(todo('l1', 't2'));
    await untilFailed(d, 't2');
    await repo.update('t2', { title: 'still mine' });
    expect(await failedOf(d)).toMatchObject([{ id: 't2', isCreate: true, waiting: 1 }]);
    expect(await d.engine.discard({ collection: 'todos', id: 't2' })).toEqual({ discarded: 1, row: 'removed' });
    expect(await repo.read('t2')).toBeUndefined();
    expect((await repo.query({ where: {}, includeDeleted: true })).map((r) => r.id)).toEqual(['t1']);
    expect(await d.store.sync.listOutbox()).toEqual([]);
    expect(serverTodo(backend, 't2')).toBeUndefined();
  });

  it('retry and discard of a document without a failed write are refused (not-found), nothing changed', async () => {
    const { d, repo } = await setup();
    await repo.update('t1', { title: 'fine' });
    await expect(d.engine.retry({ collection: 'todos', id: 'nope' })).rejects.toSatisfy((e) => isLocalfireError(e, 'not-found'));
    await expect(d.engine.discard({ collection: 'todos', id: 't1' })).rejects.toSatisfy((e) => isLocalfireError(e, 'not-found'));
    await expect(d.engine.discard({ collection: 'nope', id: 't1' })).rejects.toSatisfy((e) => isLocalfireError(e, 'invalid-definition'));
    await settled(d);
    expect((await repo.read('t1'))?.title).toBe('fine');
  });

  it('failedWrites is live: it lists a document when it fails and drops it when discarded', async () => {
    const { backend, d, repo } = await setup();
    const seen: FailedWrite[][] = [];
    const unsubscribe = d.engine.failedWrites.subscribe((list) => seen.push(list));
    backend.deny(T1);
    await repo.update('t1', { title: 'rejected' });
    await until(() => seen.some((l) => l.length === 1), 'listed');
    await d.engine.discard({ collection: 'todos', id: 't1' });
    await until(() => seen.at(-1)?.length === 0, 'dropped');
    unsubscribe();
    expect(seen.map((l) => l.map((f) => f.id))).toEqual([[], ['t1'], []]);
  });
});
