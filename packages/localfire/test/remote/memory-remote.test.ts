import { afterEach, describe, expect, it, vi } from 'vitest';
import { LocalfireError, MAX_BATCH_WRITES } from '../../src/index.js';
import type { Checkpoint, RemoteChange, RemotePort, RemoteScope, RemoteWrite, WriteAck } from '../../src/index.js';
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
        const { updatedAt, ...rest } = data;
        backend.injectRaw(path, updatedAt instanceof Date ? rest : data, updatedAt instanceof Date ? { updatedAt } : {});
        return Promise.resolve();
      },
      async writeConcurrently(batches: readonly (readonly RemoteWrite[])[], options?: { readonly whileFirstPending?: () => Promise<void> }) {
        const staged = batches.map((writes) => backend.startServerWrite(writes));
        const acks: WriteAck[][] = staged.map(() => []);
        for (let i = staged.length - 1; i >= 1; i--) {
          acks[i] = staged[i]!.commit();
          await new Promise((resolve) => setTimeout(resolve, 0));
        }
        await options?.whileFirstPending?.();
        if (staged[0]) acks[0] = staged[0].commit();
        return acks;
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
      { path: 'lists/l1/todos/a', collection: 'todos', id: 'a', serverTime: 1002, version: 1002, deleted: true, data: { listId: 'l1', title: 'todo a', done: false, position: 1, tags: ['x', 'y'] } },
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
    expect(seen.batches[0]!.checkpoint).toEqual({ serverTime: ack!.version, id: 'a', version: ack!.version });
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
      { serverTime: acks[0]!.version, id: 'b', version: acks[0]!.version },
      { serverTime: acks[0]!.version, id: 'c', version: acks[0]!.version },
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

describe('in-memory late commits and server writers', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  const batchOf = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => todo('l1', `${prefix}${i}`));

  it('batches stamped in order and committed in reverse keep their stamps as updatedAt and get growing commit versions', () => {
    let now = 1_000;
    const backend = newBackend({ clock: () => now });
    const staged = [batchOf('a', 2), batchOf('b', 2), batchOf('c', 2)].map((writes) => backend.startServerWrite(writes));
    now = 2_000;
    const acks = [...staged].reverse().map((s) => s.commit());
    expect(staged.map((s) => s.stampedAt)).toEqual([1_000_000, 1_000_001, 1_000_002]);
    expect(acks.map((a) => a.map((x) => x.version))).toEqual([
      [1_000_002, 1_000_002],
      [2_000_000, 2_000_000],
      [2_000_001, 2_000_001],
    ]);
    const byId = new Map(backend.documents().map((d) => [d.id, d]));
    expect([byId.get('a0'), byId.get('b1'), byId.get('c0')].map((d) => [d?.serverTime, d?.version])).toEqual([
      [1_000_000, 2_000_001],
      [1_000_001, 2_000_000],
      [1_000_002, 1_000_002],
    ]);
    expect(staged[0]!.commit()).toEqual(acks[2]);
    expect(backend.documents()).toHaveLength(6);
  });

  it('an open subscription delivers a late commit after newer stamps, in its own batch, with its commit version in the checkpoint', async () => {
    const backend = newBackend();
    const client = backend.connect();
    const seen = record(client);
    const late = backend.startServerWrite(batchOf('late', 2));
    const [quick] = backend.serverWrite([todo('l1', 'quick')]);
    await flush();
    const acks = late.commit();
    await flush();
    expect(seen.keys()).toEqual(['added:quick', 'added:late0', 'added:late1']);
    expect(seen.batches.map((b) => b.checkpoint)).toEqual([
      { serverTime: quick!.version, id: 'quick', version: quick!.version },
      { serverTime: late.stampedAt, id: 'late1', version: acks[0]!.version },
    ]);
    const lateDoc = seen.batches[1]!.changes[0];
    expect(lateDoc).toMatchObject({ doc: { serverTime: late.stampedAt, version: acks[0]!.version } });
    expect(late.stampedAt).toBeLessThan(quick!.version);
  });

  it('a batch of changes never mixes a late commit with newer stamps: each stays in (serverTime, id) order', async () => {
    const backend = newBackend();
    const client = backend.connect();
    const late = backend.startServerWrite([todo('l1', 'z-late')]);
    backend.serverWrite([todo('l1', 'b'), todo('l1', 'a')]);
    late.commit();
    backend.serverWrite([todo('l1', 'c')]);
    const seen = record(client);
    await flush();
    expect(seen.batches.map((b) => b.changes.map((c) => ('doc' in c ? c.doc.id : c.id)))).toEqual([['a', 'b'], ['z-late', 'c']]);
  });

  it('resumes from a checkpoint by commit position: a document stamped before it and committed after it arrives', async () => {
    const backend = newBackend();
    const client = backend.connect();
    const first = record(client);
    const late = backend.startServerWrite([todo('l1', 'late')]);
    backend.serverWrite([todo('l1', 'early'), todo('l1', 'quick')]);
    await flush();
    first.subscription.close();
    const checkpoint = first.batches.at(-1)!.checkpoint!;
    expect(checkpoint.serverTime).toBeGreaterThan(late.stampedAt);
    late.commit();
    backend.serverWrite([todo('l1', 'after')]);
    const resumed = record(client, { collection: 'todos' }, checkpoint);
    await flush();
    expect(first.keys()).toEqual(['added:early', 'added:quick']);
    expect(resumed.keys()).toEqual(['added:late', 'added:after']);
    // Within one commit the position is (serverTime, id): a checkpoint in the middle of it resumes there.
    const mid = record(client, { collection: 'todos' }, { ...checkpoint, id: 'early' });
    await flush();
    expect(mid.keys()).toEqual(['added:quick', 'added:late', 'added:after']);
  });

  it('a checkpoint without a version resumes at the commit time of its serverTime: late commits after it arrive', async () => {
    const backend = newBackend();
    const client = backend.connect();
    const late = backend.startServerWrite([todo('l1', 'late')]);
    const [quick] = backend.serverWrite([todo('l1', 'quick')]);
    late.commit();
    const resumed = record(client, { collection: 'todos' }, { serverTime: quick!.version, id: 'quick' });
    await flush();
    expect(resumed.keys()).toEqual(['added:late']);
  });

  it('serverWrite bypasses the rules; a literal updatedAt in the future or the past is the serverTime, the commit is the version', async () => {
    let now = 10_000;
    const backend = newBackend({ clock: () => now, rules: () => false });
    const reader = backend.connect({ userId: 'admin' });
    await expect(reader.write([todo('l1', 'denied')])).rejects.toMatchObject({ kind: 'permission-denied' });
    const [future] = backend.serverWrite([todo('l1', 'future')], { updatedAt: new Date(3_600_000 + now) });
    const [past] = backend.serverWrite([todo('l1', 'past')], { updatedAt: new Date(1) });
    now = 10_001;
    const [plain] = backend.serverWrite([todo('l1', 'plain')]);
    expect([future, past, plain].map((a) => a!.version)).toEqual([10_000_000, 10_000_001, 10_001_000]);
    expect(backend.documents().map((d) => [d.id, d.serverTime, d.version])).toEqual([
      ['future', 3_610_000_000, 10_000_000],
      ['past', 1_000, 10_000_001],
      ['plain', 10_001_000, 10_001_000],
    ]);
    expect(() => backend.serverWrite([todo('l1', 'bad', { title: 42 })])).toThrow(LocalfireError);
    expect(() => backend.startServerWrite([todo('l1', 'bad')], { updatedAt: new Date(Number.NaN) })).toThrow(LocalfireError);
    expect(backend.documents()).toHaveLength(3);
  });

  it('a document written twice with the same literal updatedAt is delivered once, at its latest version', async () => {
    const backend = newBackend();
    const updatedAt = new Date('2020-01-01T00:00:00Z');
    backend.serverWrite([todo('l1', 'a')], { updatedAt });
    const [second] = backend.serverWrite([todo('l1', 'a', { title: 'again' })], { updatedAt });
    const seen = record(backend.connect());
    await flush();
    expect(seen.keys()).toEqual(['added:a']);
    expect(seen.batches[0]!.changes[0]).toMatchObject({ doc: { version: second!.version, data: { title: 'again' } } });
  });

  it('commitLate: the next writes are stamped when they start and committed lagMs later; writes started later commit first', async () => {
    vi.useFakeTimers();
    const backend = newBackend();
    const slow = backend.connect();
    const fast = backend.connect();
    slow.commitLate(1, { lagMs: 100 });
    const pending = slow.write([todo('l1', 'slow')]);
    await vi.advanceTimersByTimeAsync(10);
    expect(backend.documents()).toEqual([]);
    const [quick] = await fast.write([todo('l1', 'quick')]);
    await vi.advanceTimersByTimeAsync(90);
    const [late] = await pending;
    const slowDoc = backend.documents().find((d) => d.id === 'slow')!;
    expect(slowDoc.serverTime).toBeLessThan(quick!.version);
    expect(late!.version).toBe(slowDoc.version);
    expect(late!.version).toBeGreaterThan(quick!.version);
    // Only the next write was late.
    const [next] = await slow.write([todo('l1', 'next')]);
    expect(backend.documents().find((d) => d.id === 'next')).toMatchObject({ serverTime: next!.version, version: next!.version });
  });

  it('commitLate: an abort during the lag loses the ack, not the commit', async () => {
    vi.useFakeTimers();
    const backend = newBackend();
    const client = backend.connect();
    client.commitLate(1, { lagMs: 100 });
    const controller = new AbortController();
    const outcome = client.write([todo('l1', 'a')], { signal: controller.signal }).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(10);
    controller.abort();
    expect(await outcome).toMatchObject({ kind: 'aborted' });
    expect(backend.documents()).toEqual([]);
    await vi.advanceTimersByTimeAsync(90);
    expect(backend.documents().map((d) => d.id)).toEqual(['a']);
  });
});
