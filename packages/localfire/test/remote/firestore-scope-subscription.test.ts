// The Firestore scope subscription's stall watchdog and listener window, driven by scripted snapshots and fake timers.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { microsToTimestamp } from '../../src/adapters/firestore/index.js';
import type { StallInfo } from '../../src/adapters/firestore/index.js';
import { startScopeSubscription } from '../../src/adapters/firestore/scope-subscription.js';
import type { ScopeSubscription, ScopeSubscriptionOptions } from '../../src/adapters/firestore/scope-subscription.js';
import type { SnapshotChangeLike, SnapshotLike, SnapshotSource } from '../../src/adapters/firestore/snapshot-source.js';
import type { Checkpoint, LocalfireError, RemoteChange } from '../../src/index.js';
import { lists } from '../fixtures/todo.js';

const TIMEOUT = 10_000;
// random() = 0: the backoff before reopen n is exactly half of 1 s * 2^(n-1).
const backoffBefore = (attempt: number) => 500 * 2 ** (attempt - 1);

interface FakeQuery {
  readonly chunk: number;
  readonly from: Checkpoint | null;
  readonly lookbackMicros?: number;
}

interface FakeListener {
  readonly query: FakeQuery;
  readonly emit: (fromCache: boolean, changes?: readonly SnapshotChangeLike[]) => void;
  readonly fail: (error: unknown) => void;
  closed: boolean;
}

function fakeSource() {
  const opened: FakeListener[] = [];
  /** `listen n` / `close n` (n: the listener's index in `opened`), in order. */
  const events: string[] = [];
  const listen: SnapshotSource<FakeQuery> = (query, onNext, onError) => {
    const n = opened.length;
    events.push(`listen ${n}`);
    const listener: FakeListener = {
      query,
      emit: (fromCache, changes = []) => {
        const snapshot: SnapshotLike = { metadata: { fromCache }, docChanges: () => changes };
        onNext(snapshot);
      },
      fail: onError,
      closed: false,
    };
    opened.push(listener);
    return () => {
      events.push(`close ${n}`);
      listener.closed = true;
    };
  };
  const open = () => opened.filter((l) => !l.closed);
  return { listen, opened, open, events };
}

/** A list document stamped `micros`; `committedMicros` is its version (as the SDK carries it), when given. */
const listDoc = (id: string, micros: number, committedMicros?: number): SnapshotChangeLike => ({
  type: 'added',
  doc: {
    id,
    ref: { path: `lists/${id}` },
    metadata: { hasPendingWrites: false },
    data: () => ({ name: `list ${id}`, ownerId: 'alice', updatedAt: microsToTimestamp(micros) }),
    ...(committedMicros === undefined ? {} : { _document: { version: { timestamp: microsToTimestamp(committedMicros) } } }),
  },
});

function deferred() {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

function start(
  opts: {
    chunks?: number; networkEnabled?: boolean; from?: Checkpoint | null; cycle?: () => Promise<void>; windowDocs?: number; fetch?: (query: FakeQuery) => Promise<SnapshotLike>; maxCommitLagMicros?: number;
    fetchDoc?: ScopeSubscriptionOptions<FakeQuery>['fetchDoc'];
  } = {},
) {
  const source = fakeSource();
  const stalls: StallInfo[] = [];
  const delivered: { changes: RemoteChange[]; checkpoint: Checkpoint | null }[] = [];
  const errors: LocalfireError[] = [];
  const cycleNetwork = vi.fn(opts.cycle ?? (() => Promise.resolve()));
  const subscription: ScopeSubscription = startScopeSubscription<FakeQuery>({
    def: lists,
    path: 'lists',
    queries: (from, lookbackMicros) => Array.from({ length: opts.chunks ?? 1 }, (_, chunk) => ({ chunk, from, ...(lookbackMicros === undefined ? {} : { lookbackMicros }) })),
    listen: source.listen,
    from: opts.from ?? null,
    handlers: {
      onChanges: (changes, checkpoint) => {
        delivered.push({ changes: [...changes], checkpoint });
      },
      onError: (e) => errors.push(e),
    },
    reportReachability: () => undefined,
    stall: {
      timeoutMs: TIMEOUT,
      reopensBeforeCycle: 3,
      networkEnabled: opts.networkEnabled ?? true,
      cycleNetwork,
      onStall: (info) => stalls.push(info),
      random: () => 0,
    },
    ...(opts.windowDocs === undefined ? {} : { windowDocs: opts.windowDocs }),
    ...(opts.fetch === undefined ? {} : { fetch: opts.fetch, verifyAfterMs: 1_000 }),
    ...(opts.maxCommitLagMicros === undefined ? {} : { maxCommitLagMicros: opts.maxCommitLagMicros }),
    ...(opts.fetchDoc === undefined ? {} : { fetchDoc: opts.fetchDoc }),
  });
  const deliveredIds = () => delivered.flatMap((b) => b.changes.map((c) => `${c.type}:${'doc' in c ? c.doc.id : c.id}`));
  return { source, stalls, delivered, deliveredIds, errors, cycleNetwork, subscription };
}

describe('Firestore stall watchdog', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('reopens a listener that never reaches a server snapshot, after the timeout and a backoff', async () => {
    const { source, stalls, subscription } = start();
    source.open()[0]!.emit(true);
    await vi.advanceTimersByTimeAsync(TIMEOUT + backoffBefore(1) - 1);
    expect(source.opened).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(source.opened).toHaveLength(2);
    expect(source.opened[0]!.closed).toBe(true);
    expect(source.open()).toHaveLength(1);
    expect(stalls).toEqual([{ collection: 'lists', path: 'lists', attempts: 1, action: 'reopen' }]);
    subscription.close();
  });

  it('never acts on a listener that goes current in time', async () => {
    const { source, stalls, delivered, subscription } = start();
    await vi.advanceTimersByTimeAsync(TIMEOUT - 1);
    source.open()[0]!.emit(false, [listDoc('a', 100)]);
    await vi.advanceTimersByTimeAsync(10 * TIMEOUT);
    expect(stalls).toEqual([]);
    expect(source.opened).toHaveLength(1);
    expect(delivered).toHaveLength(1);
    subscription.close();
  });

  it('reopens a listener that fell back to cache from the last delivered checkpoint, delivering nothing twice', async () => {
    const { source, stalls, delivered, deliveredIds, subscription } = start({ from: { serverTime: 50, id: 'z' } });
    const first = source.open()[0]!;
    expect(first.query.from).toEqual({ serverTime: 50, id: 'z' });
    first.emit(false, [listDoc('a', 100), listDoc('b', 200)]);
    await vi.advanceTimersByTimeAsync(0);
    expect(deliveredIds()).toEqual(['added:a', 'added:b']);

    first.emit(true);
    await vi.advanceTimersByTimeAsync(TIMEOUT + backoffBefore(1));
    expect(stalls.map((s) => s.action)).toEqual(['reopen']);
    const second = source.open()[0]!;
    expect(second).not.toBe(first);
    expect(second.query.from).toEqual({ serverTime: 200, id: 'b', version: 200 });

    // The new listener reports b again (same server time), a newer a, and a new c.
    second.emit(true, [listDoc('b', 200)]);
    second.emit(false, [listDoc('b', 200), listDoc('a', 300), listDoc('c', 400)]);
    first.emit(false, [listDoc('x', 500)]); // a closed listener is not heard
    await vi.advanceTimersByTimeAsync(0);
    expect(deliveredIds()).toEqual(['added:a', 'added:b', 'modified:a', 'added:c']);
    expect(delivered.at(-1)?.checkpoint).toEqual({ serverTime: 400, id: 'c', version: 400 });
    subscription.close();
  });

  it('reopens every chunk when one stalls and delivers once all are current', async () => {
    const { source, deliveredIds, subscription } = start({ chunks: 2 });
    const [a, b] = source.open();
    a!.emit(false, [listDoc('a', 100)]);
    b!.emit(true, [listDoc('b', 200)]);
    await vi.advanceTimersByTimeAsync(TIMEOUT + backoffBefore(1));
    expect(deliveredIds()).toEqual([]);
    const reopened = source.open();
    expect(reopened.map((l) => l.query.chunk)).toEqual([0, 1]);
    expect(source.opened).toHaveLength(4);
    reopened[0]!.emit(false, [listDoc('a', 100)]);
    reopened[1]!.emit(false, [listDoc('b', 200)]);
    await vi.advanceTimersByTimeAsync(0);
    expect(deliveredIds()).toEqual(['added:a', 'added:b']);
    subscription.close();
  });

  it('cycles the network once after 3 failed reopens, then starts over', async () => {
    const cycle = deferred();
    const { source, stalls, cycleNetwork, subscription } = start({ cycle: () => cycle.promise });
    for (const attempt of [1, 2, 3]) {
      await vi.advanceTimersByTimeAsync(TIMEOUT + backoffBefore(attempt));
      expect(source.opened).toHaveLength(attempt + 1);
    }
    expect(cycleNetwork).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(TIMEOUT);
    expect(cycleNetwork).toHaveBeenCalledTimes(1);
    expect(stalls.map((s) => [s.action, s.attempts])).toEqual([['reopen', 1], ['reopen', 2], ['reopen', 3], ['cycle-network', 3]]);

    await vi.advanceTimersByTimeAsync(10 * TIMEOUT); // nothing while the cycle runs
    expect(cycleNetwork).toHaveBeenCalledTimes(1);
    expect(source.opened).toHaveLength(4);

    cycle.resolve();
    await vi.advanceTimersByTimeAsync(TIMEOUT + backoffBefore(1));
    expect(stalls.at(-1)).toMatchObject({ action: 'reopen', attempts: 1 });
    expect(source.opened).toHaveLength(5);
    subscription.close();
  });

  it('a reopen that goes current ends the episode: the next stall starts again at attempt 1', async () => {
    const { source, stalls, subscription } = start();
    await vi.advanceTimersByTimeAsync(TIMEOUT + backoffBefore(1));
    await vi.advanceTimersByTimeAsync(TIMEOUT + backoffBefore(2));
    source.open()[0]!.emit(false);
    source.open()[0]!.emit(true);
    await vi.advanceTimersByTimeAsync(TIMEOUT + backoffBefore(1));
    expect(stalls.map((s) => s.attempts)).toEqual([1, 2, 1]);
    subscription.close();
  });

  it('stays silent while the network is disabled on purpose, and gives a fresh timeout when it is back', async () => {
    const { source, stalls, cycleNetwork, subscription } = start({ networkEnabled: false });
    await vi.advanceTimersByTimeAsync(100 * TIMEOUT);
    expect(vi.getTimerCount()).toBe(0);
    subscription.setNetworkEnabled(true);
    await vi.advanceTimersByTimeAsync(TIMEOUT - 1);
    subscription.setNetworkEnabled(false);
    await vi.advanceTimersByTimeAsync(100 * TIMEOUT);
    subscription.setNetworkEnabled(true);
    await vi.advanceTimersByTimeAsync(TIMEOUT - 1);
    expect(stalls).toEqual([]);
    expect(source.opened).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    subscription.setNetworkEnabled(false); // during the backoff: the reopen is called off
    await vi.advanceTimersByTimeAsync(100 * TIMEOUT);
    expect(stalls).toEqual([]);
    expect(cycleNetwork).not.toHaveBeenCalled();
    expect(source.opened).toHaveLength(1);
    subscription.close();
  });

  it('close() leaves no timers and no listeners, whatever the watchdog was doing', async () => {
    const waiting = start({ chunks: 2 });
    expect(vi.getTimerCount()).toBe(2);
    waiting.subscription.close();
    expect(vi.getTimerCount()).toBe(0);
    expect(waiting.source.open()).toEqual([]);

    const backingOff = start();
    await vi.advanceTimersByTimeAsync(TIMEOUT);
    expect(vi.getTimerCount()).toBe(1);
    backingOff.subscription.close();
    expect(vi.getTimerCount()).toBe(0);

    const cycle = deferred();
    const cycling = start({ cycle: () => cycle.promise });
    for (const attempt of [1, 2, 3]) await vi.advanceTimersByTimeAsync(TIMEOUT + backoffBefore(attempt));
    await vi.advanceTimersByTimeAsync(TIMEOUT);
    expect(cycling.cycleNetwork).toHaveBeenCalledTimes(1);
    cycling.subscription.close();
    cycle.resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(vi.getTimerCount()).toBe(0);
    expect(cycling.source.open()).toEqual([]);
  });

  it('a reopened listener that errors fails the subscription and stops the watchdog', async () => {
    const { source, errors, subscription } = start();
    await vi.advanceTimersByTimeAsync(TIMEOUT + backoffBefore(1));
    source.opened[0]!.fail(Object.assign(new Error('late'), { code: 'unavailable' })); // the closed one: ignored
    expect(errors).toEqual([]);
    source.open()[0]!.fail(Object.assign(new Error('denied'), { code: 'permission-denied' }));
    expect(errors.map((e) => e.kind)).toEqual(['permission-denied']);
    expect(vi.getTimerCount()).toBe(0);
    subscription.close();
  });
});

describe('Firestore listener window', () => {
  const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 0));
  const modified = (id: string, micros: number): SnapshotChangeLike => ({ ...listDoc(id, micros), type: 'modified' });

  it('reopens the listeners after the last delivered checkpoint once they delivered more than windowDocs documents', async () => {
    const { source, delivered, deliveredIds, subscription } = start({ windowDocs: 2, chunks: 2 });
    const [first, other] = source.open();
    other!.emit(false);
    first!.emit(false, [listDoc('a', 100), listDoc('b', 200)]);
    await settle();
    expect(source.opened).toHaveLength(2);
    first!.emit(false, [listDoc('c', 300)]);
    await settle();
    expect(deliveredIds()).toEqual(['added:a', 'added:b', 'added:c']);
    expect(source.opened.slice(0, 2).every((l) => l.closed)).toBe(true);
    const reopened = source.open();
    expect(reopened.map((l) => l.query)).toEqual([{ chunk: 0, from: { serverTime: 300, id: 'c', version: 300 } }, { chunk: 1, from: { serverTime: 300, id: 'c', version: 300 } }]);

    first!.emit(false, [listDoc('late', 999)]);
    reopened[0]!.emit(false, [modified('a', 400)]);
    await settle();
    expect(deliveredIds()).toHaveLength(3);
    reopened[1]!.emit(false);
    await settle();
    expect(deliveredIds()).toEqual(['added:a', 'added:b', 'added:c', 'modified:a']);
    expect(delivered.at(-1)?.checkpoint).toEqual({ serverTime: 400, id: 'a', version: 400 });
    subscription.close();
  });

  it('registers the new listeners before it closes the old ones (make before break)', async () => {
    const { source, subscription } = start({ windowDocs: 1, chunks: 2 });
    source.open()[1]!.emit(false);
    source.open()[0]!.emit(false, [listDoc('a', 100), listDoc('b', 200)]);
    await settle();
    expect(source.events).toEqual(['listen 0', 'listen 1', 'listen 2', 'listen 3', 'close 0', 'close 1']);
    subscription.close();
  });

  it('confirms a rolled listener\'s removal with the server: a document that still exists is delivered as it is, only a deleted one is removed', async () => {
    const onServer = new Map([['mine', listDoc('mine', 150, 400).doc]]); // stamped below the roll, committed after it
    const asked: string[] = [];
    const { source, delivered, deliveredIds, subscription } = start({
      windowDocs: 2,
      fetchDoc: (path) => {
        asked.push(path);
        const found = onServer.get(path.split('/').at(-1)!);
        return Promise.resolve(found === undefined ? null : { raw: found.data(), version: 400 });
      },
    });
    source.open()[0]!.emit(false, [listDoc('a', 100), listDoc('b', 200), listDoc('c', 300)]);
    await settle();
    expect(source.opened).toHaveLength(2); // rolled after c
    source.open()[0]!.emit(false, [{ ...listDoc('mine', 150), type: 'removed' }, { ...listDoc('gone', 120), type: 'removed' }]);
    await settle();
    expect(asked).toEqual(['lists/mine', 'lists/gone']);
    expect(deliveredIds().slice(3).sort()).toEqual(['added:mine', 'removed:gone']);
    const mine = delivered.flatMap((b) => b.changes).find((c) => c.type === 'added' && c.doc.id === 'mine');
    expect(mine !== undefined && 'doc' in mine ? mine.doc.version : null).toBe(400);
    subscription.close();
  });

  it('delivers removals as they come without a window (a field-filtered scope: a document can leave it)', async () => {
    const fetchDoc = vi.fn(() => Promise.resolve(null));
    const { source, deliveredIds, subscription } = start({ fetchDoc });
    source.open()[0]!.emit(false, [listDoc('a', 100)]);
    await settle();
    source.open()[0]!.emit(false, [{ ...listDoc('a', 100), type: 'removed' }]);
    await settle();
    expect(deliveredIds()).toEqual(['added:a', 'removed:a']);
    expect(fetchDoc).not.toHaveBeenCalled();
    subscription.close();
  });

  it('keeps its listeners however much they deliver when no window is set', async () => {
    const { source, deliveredIds, subscription } = start();
    source.open()[0]!.emit(false, Array.from({ length: 500 }, (_, i) => listDoc(`d${i}`, 100 + i)));
    await settle();
    expect(deliveredIds()).toHaveLength(500);
    expect(source.opened).toHaveLength(1);
    subscription.close();
  });
});

describe('Firestore scope verification read', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());
  const snapshot = (changes: readonly SnapshotChangeLike[]): SnapshotLike => ({ metadata: { fromCache: false }, docChanges: () => changes });

  it('reads once, a second after the listeners are current, after the checkpoint delivered by then, and delivers what the listener missed, never an older version', async () => {
    const fetched: FakeQuery[] = [];
    const server = [listDoc('a', 100), listDoc('missed', 150), listDoc('b', 180)];
    const { source, deliveredIds, delivered, subscription } = start({
      fetch: (query) => {
        fetched.push(query);
        return Promise.resolve(snapshot(server));
      },
    });
    const listener = source.open()[0]!;
    listener.emit(false, [listDoc('a', 100)]);
    await vi.advanceTimersByTimeAsync(0);
    listener.emit(false, [{ ...listDoc('b', 200), type: 'modified' }]);
    await vi.advanceTimersByTimeAsync(999);
    expect(fetched).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(fetched).toEqual([{ chunk: 0, from: { serverTime: 200, id: 'b', version: 200 } }]);
    expect(deliveredIds()).toEqual(['added:a', 'added:b', 'added:missed']);
    expect(delivered.at(-1)?.checkpoint).toEqual({ serverTime: 200, id: 'b', version: 200 });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(fetched).toHaveLength(1);
    subscription.close();
  });

  it('after an open from a checkpoint, looks back for late commits: delivers a document stamped before the checkpoint but committed after it, and nothing else from before it', async () => {
    const fetched: FakeQuery[] = [];
    // Stored with the newest version delivered before the restart: k's own.
    const from = { serverTime: 1_000, id: 'k', version: 1_010 };
    const server = [
      listDoc('settled', 900, 950), // stamped and committed before the checkpoint: seen before the restart
      listDoc('late', 990, 1_200), // stamped before the checkpoint, committed after it: the listener cannot see it
      listDoc('k', 1_000, 1_010), // the checkpoint's own document
      listDoc('dropped', 1_100, 1_105), // after the checkpoint, missed by the listener (the emulator's drop)
    ];
    const { source, deliveredIds, delivered, subscription } = start({
      from,
      maxCommitLagMicros: 500,
      fetch: (query) => {
        fetched.push(query);
        return Promise.resolve(snapshot(server));
      },
    });
    expect(source.open()[0]!.query).toEqual({ chunk: 0, from });
    source.open()[0]!.emit(false, [listDoc('next', 1_300, 1_310)]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(fetched).toEqual([{ chunk: 0, from, lookbackMicros: 500 }]);
    expect(deliveredIds()).toEqual(['added:next', 'added:late', 'added:dropped']);
    const late = delivered[1]!.changes[0]!;
    expect(late.type !== 'removed' && late.type !== 'invalid' ? [late.doc.serverTime, late.doc.version] : null).toEqual([990, 1_200]);
    // The checkpoint never moves back for a late commit.
    expect(delivered.map((b) => b.checkpoint)).toEqual([{ serverTime: 1_300, id: 'next', version: 1_310 }, { serverTime: 1_300, id: 'next', version: 1_310 }]);
    subscription.close();
  });

  it('reads back once more when the commit lag has passed: a late commit that lands after the first read still arrives, even if the listeners rolled meanwhile', async () => {
    const fetched: FakeQuery[] = [];
    const from = { serverTime: 1_000, id: 'k', version: 1_010 };
    const server = [listDoc('k', 1_000, 1_010)];
    const { source, deliveredIds, delivered, subscription } = start({
      from,
      windowDocs: 1,
      maxCommitLagMicros: 5_000_000, // 5 s
      fetch: (query) => {
        fetched.push(query);
        return Promise.resolve(snapshot([...server]));
      },
    });
    source.open()[0]!.emit(false);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(fetched).toEqual([{ chunk: 0, from, lookbackMicros: 5_000_000 }]);
    expect(deliveredIds()).toEqual([]);

    // Stamped before the checkpoint, committed 3 s after the open: after the first read.
    await vi.advanceTimersByTimeAsync(2_000);
    server.push(listDoc('late', 990, 3_000_000));
    // The listeners roll meanwhile (two documents delivered, window 1): the new open starts after them.
    source.open()[0]!.emit(false, [listDoc('a', 3_100_000), listDoc('b', 3_200_000)]);
    await vi.advanceTimersByTimeAsync(0);
    expect(source.opened).toHaveLength(2);
    source.open()[0]!.emit(false);
    expect(deliveredIds()).toEqual(['added:a', 'added:b']);

    // The new open's own first read starts after b: to it, `late` (committed before b) looks settled.
    const rolled = { serverTime: 3_200_000, id: 'b', version: 3_200_000 };
    await vi.advanceTimersByTimeAsync(2_999);
    expect(fetched).toEqual([
      { chunk: 0, from, lookbackMicros: 5_000_000 },
      { chunk: 0, from: rolled, lookbackMicros: 5_000_000 },
    ]);
    expect(deliveredIds()).toEqual(['added:a', 'added:b']);
    // The first open's second read, 5 s after its first, is what finds it.
    await vi.advanceTimersByTimeAsync(1);
    expect(fetched.at(-1)).toEqual({ chunk: 0, from, lookbackMicros: 5_000_000 });
    expect(deliveredIds()).toEqual(['added:a', 'added:b', 'added:late']);
    // Never an older checkpoint for it.
    expect(delivered.at(-1)?.checkpoint).toEqual({ serverTime: 3_200_000, id: 'b', version: 3_200_000 });
    subscription.close();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('verifies again after a reopen, and a failed read changes nothing', async () => {
    let calls = 0;
    const { source, deliveredIds, errors, subscription } = start({
      windowDocs: 1,
      fetch: () => {
        calls += 1;
        return Promise.reject(new Error('offline'));
      },
    });
    source.open()[0]!.emit(false, [listDoc('a', 100), listDoc('b', 200)]);
    await vi.advanceTimersByTimeAsync(0);
    source.open()[0]!.emit(false);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls).toBe(1);
    expect(deliveredIds()).toEqual(['added:a', 'added:b']);
    expect(errors).toEqual([]);
    subscription.close();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(vi.getTimerCount()).toBe(0);
  });
});
