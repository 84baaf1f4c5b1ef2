import { afterEach, describe, expect, it, vi } from 'vitest';
import { LocalfireError, MAX_BATCH_WRITES } from '../../src/index.js';
import type { Checkpoint, RemoteChange, RemotePort, RemoteScope, RemoteWrite } from '../../src/index.js';
import { createMemoryBackend } from '../../src/testing/index.js';
import type { MemoryBackendOptions, MemoryRemote } from '../../src/testing/index.js';
import { lists, todos } from '../fixtures/todo.js';
import { describeRemoteContract } from './remote-contract.js';

describeRemoteContract('in-memory', {
  setup() {
    const denied: string[] = [];
    const backend = createMemoryBackend({
      collections: [lists, todos],
      rules: ({ path }) => !denied.some((prefix) => path === prefix || path.startsWith(`${prefix}/`)),
    });
    const clients = new Map<RemotePort, MemoryRemote>();
    return Promise.resolve({
      connect(userId: string | null) {
        const client = backend.connect({ userId });
        clients.set(client, client);
        return Promise.resolve(client);
      },
      setOnline(client: RemotePort, online: boolean) {
        clients.get(client)?.setOnline(online);
        return Promise.resolve();
      },
      writeRaw(path: string, data: Record<string, unknown>) {
        backend.injectRaw(path, data);
        return Promise.resolve();
      },
      deny(prefix: string) {
        denied.push(prefix);
        return Promise.resolve();
      },
      teardown: () => Promise.resolve(),
    });
  },
});


const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

const todo = (listId: string, id: string, values: Record<string, unknown> = {}): RemoteWrite => ({
  mutationId: `m-${id}`,
  collection: 'todos',
  id,
  path: `lists/${listId}/todos/${id}`,
  op: 'set',
  fields: Object.fromEntries(Object.entries({ listId, title: `todo ${id}`, done: false, position: 1, tags: [], ...values }).map(([k, value]) => [k, { op: 'set', value }])),
});

function record(client: RemotePort, scope: RemoteScope = { collection: 'todos' }, from: Checkpoint | null = null) {
  const batches: { changes: RemoteChange[]; checkpoint: Checkpoint | null }[] = [];
  const errors: LocalfireError[] = [];
  const subscription = client.subscribe(scope, from, {
    onChanges: (changes, checkpoint) => void batches.push({ changes: [...changes], checkpoint }),
    onError: (error) => void errors.push(error),
  });
  const keys = () => batches.flatMap((b) => b.changes.map((c) => `${c.type}:${'doc' in c ? c.doc.id : c.id}`));
  return { batches, errors, subscription, keys };
}

const newBackend = (extra: Partial<MemoryBackendOptions> = {}) => createMemoryBackend({ collections: [lists, todos], ...extra });

describe('in-memory backend', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('stamps strictly increasing µs server times from the injected clock, one per batch', async () => {
    let now = 1_000;
    const backend = newBackend({ clock: () => now });
    const client = backend.connect({ userId: 'u' });
    const [a] = await client.write([todo('l1', 'a')]);
    const [b, c] = await client.write([todo('l1', 'b'), todo('l1', 'c')]);
    now = 999;
    const [d] = await client.write([todo('l1', 'd')]);
    now = 5_000;
    const [e] = await client.write([todo('l1', 'e')]);
    expect([a, b, c, d, e].map((x) => x!.version)).toEqual([1_000_000, 1_000_001, 1_000_001, 1_000_002, 5_000_000]);
    expect(backend.lastServerTime).toBe(5_000_000);
  });

  it('keeps separate backends apart', async () => {
    const one = newBackend();
    const two = newBackend();
    await one.connect().write([todo('l1', 'a')]);
    expect(one.documents()).toHaveLength(1);
    expect(two.documents()).toEqual([]);
  });

  it('merges sets, removes fields on undefined, keeps fields on tombstones', async () => {
    const backend = newBackend({ clock: () => 1 });
    const client = backend.connect();
    await client.write([todo('l1', 'a', { dueAt: new Date(5), tags: ['x'] })]);
    await client.write([{ ...todo('l1', 'a'), fields: { dueAt: { op: 'set', value: undefined }, tags: { op: 'union', values: ['y', 'x'] } } }]);
    await client.write([{ ...todo('l1', 'a'), op: 'delete', fields: {} }]);
    expect(backend.documents()).toEqual([
      { path: 'lists/l1/todos/a', collection: 'todos', id: 'a', serverTime: 1002, deleted: true, data: { listId: 'l1', title: 'todo a', done: false, position: 1, tags: ['x', 'y'] } },
    ]);
  });

  it('applies a batch atomically: one denied write refuses all of it', async () => {
    const backend = newBackend({ rules: ({ path, userId }) => userId === 'owner' || !path.startsWith('lists/private') });
    const client = backend.connect({ userId: 'guest' });
    await expect(client.write([todo('l1', 'a'), todo('private', 'b')])).rejects.toMatchObject({ kind: 'permission-denied' });
    expect(backend.documents()).toEqual([]);
    await backend.connect({ userId: 'owner' }).write([todo('private', 'b')]);
    expect(backend.documents().map((d) => d.id)).toEqual(['b']);
  });

  it('refuses batches over the limit and unknown collections with invalid-data', async () => {
    const client = newBackend().connect();
    const many = Array.from({ length: MAX_BATCH_WRITES + 1 }, (_, i) => todo('l1', `t${i}`));
    await expect(client.write(many)).rejects.toMatchObject({ kind: 'invalid-data' });
    await expect(client.write([{ ...todo('l1', 'a'), collection: 'nope' }])).rejects.toMatchObject({ kind: 'invalid-data' });
    await expect(client.write([])).resolves.toEqual([]);
  });
});

describe('in-memory client controls', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('failNextWrites rejects the next n writes with the kind and stores nothing', async () => {
    const backend = newBackend();
    const client = backend.connect();
    client.failNextWrites(2, 'quota');
    await expect(client.write([todo('l1', 'a')])).rejects.toMatchObject({ kind: 'quota', retryable: true });
    await expect(client.write([todo('l1', 'a')])).rejects.toMatchObject({ kind: 'quota' });
    expect(backend.documents()).toEqual([]);
    await client.write([todo('l1', 'a')]);
    expect(backend.documents()).toHaveLength(1);
  });

  it('failNextWrites afterCommit loses only the acknowledgement; the replay is harmless', async () => {
    const backend = newBackend();
    const client = backend.connect();
    client.failNextWrites(1, 'internal', { afterCommit: true });
    await expect(client.write([todo('l1', 'a', { tags: ['x'] })])).rejects.toMatchObject({ kind: 'internal' });
    expect(backend.documents()).toHaveLength(1);
    const before = backend.documents()[0]!.data;
    await client.write([todo('l1', 'a', { tags: ['x'] })]);
    expect(backend.documents().map((d) => d.data)).toEqual([before]);
  });

  it('writes reject offline at once; connection listeners follow setOnline', async () => {
    const backend = newBackend();
    const client = backend.connect();
    const states: string[] = [];
    const off = client.onConnectionChange((s) => states.push(s));
    client.setOnline(false);
    client.setOnline(false);
    await expect(client.write([todo('l1', 'a')])).rejects.toMatchObject({ kind: 'offline', retryable: true });
    client.setOnline(true);
    off();
    client.setOnline(false);
    expect(states).toEqual(['offline', 'online']);
    expect(client.connectionState).toBe('offline');
    expect(backend.documents()).toEqual([]);
  });

  it('a throwing connection listener neither breaks setOnline nor keeps later listeners (the engine) from hearing it', () => {
    const backend = newBackend();
    const client = backend.connect();
    const states: string[] = [];
    client.onConnectionChange(() => {
      throw new Error('app listener bug');
    });
    client.onConnectionChange((s) => states.push(s));
    expect(() => client.setOnline(false)).not.toThrow();
    client.setOnline(true);
    expect(states).toEqual(['offline', 'online']);
  });

  it('latency delays writes and deliveries by setTimeout (fake timers drive it)', async () => {
    vi.useFakeTimers();
    const backend = newBackend();
    const writer = backend.connect();
    const reader = backend.connect();
    writer.setLatency(1_000);
    reader.setLatency(500);
    const seen = record(reader);
    let acked = false;
    const done = writer.write([todo('l1', 'a')]).then(() => {
      acked = true;
    });
    await vi.advanceTimersByTimeAsync(999);
    expect(acked).toBe(false);
    expect(backend.documents()).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await done;
    expect(acked).toBe(true);
    await vi.advanceTimersByTimeAsync(499);
    expect(seen.keys()).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(seen.keys()).toEqual(['added:a']);
  });

  it('aborting during latency rejects with aborted and writes nothing', async () => {
    vi.useFakeTimers();
    const backend = newBackend();
    const client = backend.connect();
    client.setLatency(100);
    const controller = new AbortController();
    const outcome = client.write([todo('l1', 'a')], { signal: controller.signal }).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(50);
    controller.abort();
    expect(await outcome).toMatchObject({ kind: 'aborted' });
    await vi.advanceTimersByTimeAsync(100);
    expect(backend.documents()).toEqual([]);
  });

  it('duplicateDeliveries delivers each batch twice with the same checkpoint', async () => {
    const backend = newBackend();
    const client = backend.connect();
    client.duplicateDeliveries(true);
    const seen = record(client);
    const [ack] = await client.write([todo('l1', 'a')]);
    await flush();
    expect(seen.batches).toHaveLength(2);
    expect(seen.batches[1]).toEqual(seen.batches[0]);
    expect(seen.batches[0]!.checkpoint).toEqual({ serverTime: ack!.version, id: 'a' });
  });

  it('close stops subscriptions and refuses later writes', async () => {
    const backend = newBackend();
    const client = backend.connect();
    const seen = record(client);
    await client.close();
    await client.close();
    await backend.connect().write([todo('l1', 'a')]);
    await flush();
    expect(seen.batches).toEqual([]);
    await expect(client.write([todo('l1', 'b')])).rejects.toMatchObject({ kind: 'closed' });
    const late = record(client);
    await flush();
    expect(late.batches).toEqual([]);
  });
});

describe('in-memory subscriptions', () => {
  it('injectRaw: garbage arrives as invalid, never stops the stream, and shows in documents()', async () => {
    const backend = newBackend();
    const client = backend.connect();
    const seen = record(client);
    for (const [id, data] of [['n', null], ['num', 42], ['arr', [1, 2]], ['str', 'x']] as const) backend.injectRaw(`lists/l1/todos/${id}`, data);
    await client.write([todo('l1', 'ok')]);
    await flush();
    expect(seen.keys()).toEqual(['invalid:n', 'invalid:num', 'invalid:arr', 'invalid:str', 'added:ok']);
    const first = seen.batches[0]!.changes[1];
    expect(first).toMatchObject({ type: 'invalid', raw: 42, error: { kind: 'invalid-data' } });
    expect(seen.errors).toEqual([]);
    expect(backend.documents().find((d) => d.id === 'num')).toMatchObject({ data: {}, deleted: false });
    expect(() => backend.injectRaw('nowhere/x', {})).toThrow(LocalfireError);
  });

  it('awaits each batch before delivering the next', async () => {
    const backend = newBackend();
    const client = backend.connect();
    const received: string[][] = [];
    let release = () => {};
    client.subscribe({ collection: 'todos' }, null, {
      onChanges: (changes) => {
        received.push(changes.map((c) => ('doc' in c ? c.doc.id : c.id)));
        return new Promise<void>((resolve) => (release = resolve));
      },
      onError: () => {},
    });
    await client.write([todo('l1', 'a')]);
    await flush();
    await client.write([todo('l1', 'b')]);
    await client.write([todo('l1', 'c')]);
    await flush();
    expect(received).toEqual([['a']]);
    release();
    await flush();
    expect(received).toEqual([['a'], ['b', 'c']]);
  });

  it('splits deliveries at deliveryBatchSize, each checkpoint at its last change', async () => {
    const backend = newBackend({ deliveryBatchSize: 2 });
    const client = backend.connect();
    const acks = await client.write([todo('l1', 'c'), todo('l1', 'a'), todo('l1', 'b')]);
    const seen = record(client);
    await flush();
    expect(seen.batches.map((b) => b.changes.length)).toEqual([2, 1]);
    expect(seen.batches.map((b) => b.checkpoint)).toEqual([
      { serverTime: acks[0]!.version, id: 'b' },
      { serverTime: acks[0]!.version, id: 'c' },
    ]);
  });

  it('reports removed once when a document leaves a filtered scope, and added when it returns', async () => {
    const backend = newBackend();
    const client = backend.connect();
    const seen = record(client, { collection: 'todos', filters: [{ field: 'done', op: '==', value: false }] });
    await client.write([todo('l1', 'a')]);
    await client.write([todo('l2', 'b')]);
    await flush();
    await client.write([todo('l1', 'a', { done: true })]);
    await flush();
    await client.write([todo('l1', 'a', { done: true, title: 'again' })]);
    await client.write([todo('l1', 'a', { done: false })]);
    await client.write([todo('l2', 'b', { title: 'b2' })]);
    await flush();
    expect(seen.keys()).toEqual(['added:a', 'added:b', 'removed:a', 'added:a', 'modified:b']);
  });

  it('delivers nothing while offline, then catches up; a subscription made offline waits', async () => {
    const backend = newBackend();
    const client = backend.connect();
    client.setOnline(false);
    const seen = record(client);
    await backend.connect().write([todo('l1', 'a')]);
    await flush();
    expect(seen.batches).toEqual([]);
    client.setOnline(true);
    await flush();
    expect(seen.keys()).toEqual(['added:a']);
  });

  it('fails the subscription when a handler rejects, or the scope is unknown', async () => {
    const backend = newBackend();
    const client = backend.connect();
    const errors: LocalfireError[] = [];
    let calls = 0;
    client.subscribe({ collection: 'todos' }, null, {
      onChanges: () => {
        calls++;
        return Promise.reject(new Error('engine broke'));
      },
      onError: (e) => errors.push(e),
    });
    await client.write([todo('l1', 'a')]);
    await flush();
    await client.write([todo('l1', 'b')]);
    await flush();
    expect(calls).toBe(1);
    expect(errors.map((e) => e.kind)).toEqual(['internal']);
    const unknown = record(client, { collection: 'nope' });
    const badParent = record(client, { collection: 'todos', parents: { ownerId: 'x' } });
    await flush();
    expect([...unknown.errors, ...badParent.errors].map((e) => e.kind)).toEqual(['invalid-query', 'invalid-query']);
  });

  it('resumes by (serverTime, id) and reports resumed documents as added', async () => {
    const backend = newBackend();
    const client = backend.connect();
    const [t] = await client.write([todo('l1', 'b'), todo('l1', 'a'), todo('l1', 'c')]);
    await client.write([todo('l1', 'a', { title: 'later' })]);
    const seen = record(client, { collection: 'todos' }, { serverTime: t!.version, id: 'a' });
    await flush();
    expect(seen.keys()).toEqual(['added:b', 'added:c', 'added:a']);
  });
});
