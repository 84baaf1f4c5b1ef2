// A document that left a field-filtered scope while no subscription was open (the device closed)
// is removed locally on resume, together with the documents stored under it; one still in the
// scope, and one with a pending local write, stay. Over the in-memory remote.
import { afterEach, describe, expect, it } from 'vitest';
import type { FieldChange, RemoteScope, RemoteWrite, ScopesFn } from '../../src/index.js';
import { lists, todos } from '../fixtures/todo.js';
import { list, liveRows, newBackend, openDevice, settled, tempDir, todo, until, USER } from './helpers.js';

const set = (value: unknown): FieldChange => ({ op: 'set', value });
const write = (path: string, collection: string, id: string, fields: Record<string, unknown>): RemoteWrite => ({
  mutationId: `server-${path}-${Math.random()}`, collection, id, path, op: 'set', fields: Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, set(v)])),
});
const listWrite = (id: string, ownerId: string) => write(`lists/${id}`, 'lists', id, { name: `list ${id}`, ownerId });
const todoWrite = (listId: string, id: string) => write(`lists/${listId}/todos/${id}`, 'todos', id, { listId, title: `todo ${id}`, done: false, position: 1, tags: [] });

describe('leaving a field-filtered scope while away', () => {
  const dirs: ReturnType<typeof tempDir>[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) d.cleanup();
  });

  it('a list whose owner changed on the server while the device was closed is removed on resume, with its todos; the others stay', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const backend = newBackend();
    backend.serverWrite([listWrite('kept', USER), listWrite('moved', USER), todoWrite('kept', 'k1'), todoWrite('moved', 'm1'), todoWrite('moved', 'm2')]);
    const device = await openDevice(backend, { filename: dir.file('d.db') });
    await until(async () => (await liveRows(device.store, 'todos')).length === 3, 'the first sync');
    await device.close();

    backend.serverWrite([listWrite('moved', 'someone-else')]);

    const reopened = await openDevice(backend, { filename: dir.file('d.db') });
    await until(async () => (await liveRows(reopened.store, 'lists')).length === 1, 'the moved list removed');
    await until(async () => (await liveRows(reopened.store, 'todos')).length === 1, "the moved list's todos removed");
    expect((await liveRows(reopened.store, 'lists')).map((l) => l['id'])).toEqual(['kept']);
    expect((await liveRows(reopened.store, 'todos')).map((t) => t['id'])).toEqual(['k1']);
    expect(reopened.engine.log.entries().filter((e) => e.type === 'scope-reconciled').map((e) => ('removed' in e ? e.removed : 0))).toEqual([1]);
    await reopened.close();
  });

  it("keeps a row with a pending local write when its list leaves the scope", async () => {
    const dir = tempDir();
    dirs.push(dir);
    const backend = newBackend();
    const device = await openDevice(backend, { filename: dir.file('d.db') });
    await device.store.repo(lists).create(list('mine'));
    await device.store.repo(todos).create(todo('mine', 't1'));
    await settled(device);
    await device.close();
    // Offline on reopen: a rename waits in the outbox while the server moves the list away.
    backend.serverWrite([listWrite('mine', 'someone-else')]);
    const remote = backend.connect({ userId: USER });
    remote.setOnline(false);
    const reopened = await openDevice(backend, { filename: dir.file('d.db'), remote });
    await reopened.store.repo(todos).update('t1', { title: 'renamed offline' });
    remote.setOnline(true);
    await until(async () => (await liveRows(reopened.store, 'lists')).length === 0, 'the moved list removed');
    // The todo with a pending write stays (its write is pushed, and refused or accepted by the server's rules).
    expect((await liveRows(reopened.store, 'todos')).map((t) => t['title'])).toEqual(['renamed offline']);
    await reopened.close();
  });

  it('a removal from one scope never drops a row another scope of the collection still covers', async () => {
    const backend = newBackend();
    backend.serverWrite([listWrite('shared', USER)]);
    const scopes: ScopesFn = ({ store }) =>
      store.live((): Promise<RemoteScope[]> => Promise.resolve([
        // The second scope hears each change first (subscriptions are woken in order), so the
        // first one's removal comes last.
        { collection: 'lists', filters: [{ field: 'id', op: 'in', value: ['shared'] }] },
        { collection: 'lists', filters: [{ field: 'ownerId', op: '==', value: USER }] },
      ]));
    const device = await openDevice(backend, { engine: { scopes } });
    await until(async () => (await liveRows(device.store, 'lists')).length === 1, 'the shared list');
    // Server code hands the list to someone else: it leaves the first scope, stays in the second.
    backend.serverWrite([listWrite('shared', 'someone-else')]);
    // Both subscriptions are woken by the commit; once the new owner is applied, the other
    // scope's removal has been handed to the engine too (whenIdle waits for it).
    await until(async () => (await liveRows(device.store, 'lists'))[0]?.['ownerId'] === 'someone-else', 'the new owner applied');
    await device.engine.whenIdle();
    expect((await liveRows(device.store, 'lists')).map((l) => l['id'])).toEqual(['shared']);
    await device.close();
  });
});
