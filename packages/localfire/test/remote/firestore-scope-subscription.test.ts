// The Firestore scope subscription (bounds, windows, stalls, verification reads), driven by scripted snapshots and fake timers.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { microsToTimestamp } from '../../src/adapters/firestore/index.js';
import type { StallInfo } from '../../src/adapters/firestore/index.js';
import { startScopeSubscription } from '../../src/adapters/firestore/scope-subscription.js';
import type { ScopeSubscription, ScopeSubscriptionOptions } from '../../src/adapters/firestore/scope-subscription.js';
import type { SnapshotChangeLike, SnapshotLike, SnapshotSource } from '../../src/adapters/firestore/snapshot-source.js';
import type { Checkpoint, LocalfireError, RemoteChange } from '../../src/index.js';
import { lists } from '../fixtures/todo.js';

const TIMEOUT = 10_000;
const GRACE = 2_000;
const LAG = 5_000_000;
// random() = 0: the backoff before action n > 1 is exactly half of 1 s * 2^(n-2).
const backoffBefore = (attempt: number) => 500 * 2 ** (attempt - 2);

interface FakeQuery {
  readonly chunk: number;
  readonly bound: number | null;
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
    chunks?: number; networkEnabled?: boolean; from?: Checkpoint | null; cycle?: () => Promise<void>; windowDocs?: number; fetch?: (query: FakeQuery) => Promise<SnapshotLike>; lag?: number;
    fetchDoc?: ScopeSubscriptionOptions<FakeQuery>['fetchDoc'];
  } = {},
) {
  const source = fakeSource();
  const stalls: StallInfo[] = [];
  const delivered: { changes: RemoteChange[]; checkpoint: Checkpoint | null }[] = [];
  const errors: LocalfireError[] = [];
  const states: string[] = [];
  const cycleNetwork = vi.fn(opts.cycle ?? (() => Promise.resolve()));
  const subscription: ScopeSubscription = startScopeSubscription<FakeQuery>({
    def: lists,
    path: 'lists',
    queries: (bound) => Array.from({ length: opts.chunks ?? 1 }, (_, chunk) => ({ chunk, bound })),
    listen: source.listen,
    from: opts.from ?? null,
    handlers: {
      onChanges: (changes, checkpoint) => {
        delivered.push({ changes: [...changes], checkpoint });
      },
      onError: (e) => errors.push(e),
      onSyncState: (state) => states.push(state),
    },
    stall: {
      timeoutMs: TIMEOUT,
      fallbackGraceMs: GRACE,
      networkEnabled: opts.networkEnabled ?? true,
      cycleNetwork,
      onStall: (info) => stalls.push(info),
      random: () => 0,
    },
    ...(opts.windowDocs === undefined ? {} : { windowDocs: opts.windowDocs }),
    ...(opts.fetch === undefined ? {} : { fetch: opts.fetch, verifyAfterMs: 1_000 }),
    maxCommitLagMicros: opts.lag ?? LAG,
    now: () => Date.now(),
    ...(opts.fetchDoc === undefined ? {} : { fetchDoc: opts.fetchDoc }),
  });
  const deliveredIds = () => delivered.flatMap((b) => b.changes.map((c) => `${c.type}:${'doc' in c ? c.doc.id : c.id}`));
  return { source, stalls, delivered, deliveredIds, errors, states, cycleNetwork, subscription };
}


const snapshot = (changes: readonly SnapshotChangeLike[]): SnapshotLike => ({ metadata: { fromCache: false }, docChanges: () => changes });
const modified = (id: string, micros: number, committedMicros?: number): SnapshotChangeLike => ({ ...listDoc(id, micros, committedMicros), type: 'modified' });

describe('Firestore scope subscription: bounds and late commits', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('opens without a bound first, and from a checkpoint at its position minus the commit lag', () => {
    const fresh = start();
    expect(fresh.source.open().map((l) => l.query.bound)).toEqual([null]);
    fresh.subscription.close();
    const resumed = start({ from: { serverTime: 9_000_000, id: 'c', version: 9_100_000 } });
    expect(resumed.source.open().map((l) => l.query.bound)).toEqual([9_000_000 - LAG]);
    resumed.subscription.close();
  });

  it('on resume, drops what the checkpoint already covered and delivers a late commit stamped before it', async () => {
    const { source, deliveredIds, delivered, subscription } = start({ from: { serverTime: 9_000_000, id: 'c', version: 9_100_000 } });
    source.open()[0]!.emit(false, [
      listDoc('old', 6_000_000, 6_010_000), // committed before the checkpoint's newest version: delivered before
      listDoc('c', 9_000_000, 9_100_000), // the checkpoint's own document
      listDoc('late', 8_000_000, 9_500_000), // stamped before the checkpoint, committed after it
      listDoc('new', 9_600_000, 9_600_100),
    ]);
    await vi.advanceTimersByTimeAsync(0);
    expect(deliveredIds()).toEqual(['added:late', 'added:new']);
    expect(delivered.at(-1)?.checkpoint).toEqual({ serverTime: 9_600_000, id: 'new', version: 9_600_100 });
    subscription.close();
  });

  it('hands over no checkpoint whose version covers a part of the same server event still queued for another chunk', async () => {
    const { source, delivered, subscription } = start({ chunks: 2, from: { serverTime: 1_000_000, id: 'c', version: 1_000_000 } });
    const [zero, one] = source.open();
    zero!.emit(false);
    one!.emit(false);
    await vi.advanceTimersByTimeAsync(0);
    // One commit touching both chunks: the SDK raises each listener's snapshot in a task of its own.
    setTimeout(() => zero!.emit(false, [listDoc('y', 9_000_000, 9_500_000)]), 0);
    setTimeout(() => one!.emit(false, [listDoc('x', 9_000_000, 9_500_000)]), 0);
    await vi.advanceTimersByTimeAsync(1);
    // Every batch carries every document its checkpoint's version covers (a resume drops those as delivered).
    const seen = new Set<string>();
    for (const batch of delivered) {
      for (const c of batch.changes) if ('doc' in c) seen.add(c.doc.id);
      if ((batch.checkpoint?.version ?? 0) >= 9_500_000) expect([...seen].sort()).toEqual(['x', 'y']);
    }
    expect([...seen].sort()).toEqual(['x', 'y']);
    subscription.close();
  });

  it('never moves the checkpoint past what the server committed: a literal future updatedAt is clamped to its commit', async () => {
    const hourAhead = 3_600_000_000;
    const { source, delivered, subscription } = start();
    source.open()[0]!.emit(false, [listDoc('a', 1_000_000, 1_000_100), listDoc('future', 2_000_000 + hourAhead, 2_000_000)]);
    await vi.advanceTimersByTimeAsync(0);
    expect(delivered.at(-1)?.checkpoint).toEqual({ serverTime: 2_000_000, id: 'future', version: 2_000_000 });
    const future = delivered[0]!.changes.find((c) => 'doc' in c && c.doc.id === 'future');
    expect(future !== undefined && 'doc' in future ? future.doc.serverTime : null).toBe(2_000_000 + hourAhead);
    subscription.close();
  });

  it('reports sync state: behind until the first snapshot is delivered, behind again when a listener falls back to cache', async () => {
    const { source, states, subscription } = start();
    expect(states).toEqual(['behind']);
    source.open()[0]!.emit(false, [listDoc('a', 100)]);
    await vi.advanceTimersByTimeAsync(0);
    expect(states).toEqual(['behind', 'current']);
    source.open()[0]!.emit(true);
    source.open()[0]!.emit(false);
    await vi.advanceTimersByTimeAsync(0);
    expect(states).toEqual(['behind', 'current', 'behind', 'current']);
    subscription.close();
  });
});

describe('Firestore stall watchdog', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('first restarts the SDK streams (a network cycle) at once, then reopens the listeners after a backoff', async () => {
    const { source, stalls, cycleNetwork, subscription } = start({ from: { serverTime: 20_000_000, id: 'z', version: 20_000_000 } });
    source.open()[0]!.emit(true);
    await vi.advanceTimersByTimeAsync(TIMEOUT - 1);
    expect(cycleNetwork).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(cycleNetwork).toHaveBeenCalledTimes(1);
    expect(source.opened).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(TIMEOUT + backoffBefore(2));
    expect(source.opened).toHaveLength(2);
    expect(source.opened[1]!.query.bound).toBe(20_000_000 - LAG);
    expect(stalls).toEqual([
      { collection: 'lists', path: 'lists', attempts: 1, action: 'cycle-network' },
      { collection: 'lists', path: 'lists', attempts: 2, action: 'reopen' },
    ]);
    await vi.advanceTimersByTimeAsync(TIMEOUT + backoffBefore(3));
    expect(cycleNetwork).toHaveBeenCalledTimes(2);
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

  it('acts after the short grace on a listener that had been current and fell back to cache (the SDK declared itself offline)', async () => {
    const { source, stalls, subscription } = start();
    source.open()[0]!.emit(false, [listDoc('a', 100)]);
    await vi.advanceTimersByTimeAsync(0);
    source.open()[0]!.emit(true);
    await vi.advanceTimersByTimeAsync(GRACE - 1);
    expect(stalls).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(stalls.map((s) => s.action)).toEqual(['cycle-network']);
    subscription.close();
  });

  it('reopens every chunk when one stays stalled, and delivers nothing twice', async () => {
    const { source, deliveredIds, subscription } = start({ chunks: 2 });
    const [a, b] = source.open();
    a!.emit(false, [listDoc('a', 100)]);
    b!.emit(true, [listDoc('b', 200)]);
    await vi.advanceTimersByTimeAsync(TIMEOUT + TIMEOUT + backoffBefore(2));
    expect(deliveredIds()).toEqual([]);
    expect(source.opened).toHaveLength(4);
    const [ra, rb] = source.opened.slice(2);
    expect([ra!.query.chunk, rb!.query.chunk]).toEqual([0, 1]);
    ra!.emit(false, [listDoc('a', 100)]);
    rb!.emit(false, [listDoc('b', 200), listDoc('c', 300)]);
    await vi.advanceTimersByTimeAsync(0);
    expect(deliveredIds()).toEqual(['added:a', 'added:b', 'added:c']);
    expect(a!.closed && b!.closed).toBe(true);
    subscription.close();
  });

  it('a reopen from an unchanged checkpoint registers a new watch target: the SDK shares one among equal queries', async () => {
    // As the SDK does (eventManagerListen): a listener on a query equal to one still listened
    // joins that listener's target, and nothing is sent to the server. Without a target of its
    // own, a reopen cannot cure a target the server dropped.
    const registered: string[] = [];
    const listeners = new Map<string, number>();
    const inner = fakeSource();
    const sharing: SnapshotSource<FakeQuery> = (query, onNext, onError) => {
      const key = `${query.chunk}@${String(query.bound)}`;
      if ((listeners.get(key) ?? 0) === 0) registered.push(key);
      listeners.set(key, (listeners.get(key) ?? 0) + 1);
      const unsubscribe = inner.listen(query, onNext, onError);
      return () => {
        listeners.set(key, listeners.get(key)! - 1);
        unsubscribe();
      };
    };
    const subscription = startScopeSubscription<FakeQuery>({
      def: lists,
      queries: (bound) => [{ chunk: 0, bound }],
      listen: sharing,
      from: { serverTime: 20_000_000, id: 'z', version: 20_000_000 },
      handlers: { onChanges: () => undefined, onError: () => undefined },
      stall: { timeoutMs: TIMEOUT, fallbackGraceMs: GRACE, networkEnabled: true, cycleNetwork: () => Promise.resolve(), random: () => 0 },
      maxCommitLagMicros: LAG,
      now: () => Date.now(),
    });
    await vi.advanceTimersByTimeAsync(TIMEOUT + TIMEOUT + backoffBefore(2)); // a cycle that does not help, then the reopen
    expect(inner.opened).toHaveLength(2);
    expect(registered).toEqual([`0@${20_000_000 - LAG}`, `0@${20_000_000 - LAG}`]);
    // The old listener went before the new one was opened, so the new one has a target of its own.
    expect(inner.events).toEqual(['listen 0', 'close 0', 'listen 1']);
    subscription.close();
  });

  it('a cycle that goes current ends the episode: the next stall starts again at attempt 1', async () => {
    const { source, stalls, subscription } = start();
    await vi.advanceTimersByTimeAsync(TIMEOUT);
    source.open()[0]!.emit(false);
    await vi.advanceTimersByTimeAsync(0);
    source.open()[0]!.emit(true);
    await vi.advanceTimersByTimeAsync(GRACE);
    expect(stalls.map((s) => [s.action, s.attempts])).toEqual([['cycle-network', 1], ['cycle-network', 1]]);
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
    expect(cycleNetwork).not.toHaveBeenCalled();
    expect(source.opened).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(cycleNetwork).toHaveBeenCalledTimes(1);
    subscription.close();
  });

  it('close() leaves no timers and no listeners, whatever the watchdog was doing', async () => {
    const waiting = start({ chunks: 2 });
    expect(vi.getTimerCount()).toBe(2);
    waiting.subscription.close();
    expect(vi.getTimerCount()).toBe(0);
    expect(waiting.source.open()).toEqual([]);

    const cycle = deferred();
    const cycling = start({ cycle: () => cycle.promise });
    await vi.advanceTimersByTimeAsync(TIMEOUT);
    expect(cycling.cycleNetwork).toHaveBeenCalledTimes(1);
    cycling.subscription.close();
    cycle.resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(vi.getTimerCount()).toBe(0);
    expect(cycling.source.open()).toEqual([]);

    const backingOff = start();
    await vi.advanceTimersByTimeAsync(TIMEOUT + TIMEOUT);
    expect(vi.getTimerCount()).toBe(1);
    backingOff.subscription.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('opens no further chunk once a listener failed as it was opened', () => {
    let listens = 0;
    const errors: LocalfireError[] = [];
    startScopeSubscription<FakeQuery>({
      def: lists,
      queries: (bound) => [0, 1, 2].map((chunk) => ({ chunk, bound })),
      listen: (_query, _onNext, onError) => {
        listens += 1;
        onError(Object.assign(new Error('denied'), { code: 'permission-denied' }));
        return () => undefined;
      },
      from: null,
      handlers: { onChanges: () => undefined, onError: (e) => errors.push(e) },
      stall: { timeoutMs: TIMEOUT, fallbackGraceMs: GRACE, networkEnabled: true, cycleNetwork: () => Promise.resolve() },
      maxCommitLagMicros: LAG,
    });
    expect(listens).toBe(1);
    expect(errors.map((e) => e.kind)).toEqual(['permission-denied']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a reopened listener that errors fails the subscription and stops the watchdog', async () => {
    const { source, errors, subscription } = start();
    await vi.advanceTimersByTimeAsync(TIMEOUT + TIMEOUT + backoffBefore(2));
    expect(source.opened).toHaveLength(2);
    source.opened[1]!.fail(Object.assign(new Error('denied'), { code: 'permission-denied' }));
    expect(errors.map((e) => e.kind)).toEqual(['permission-denied']);
    expect(vi.getTimerCount()).toBe(0);
    expect(source.open()).toEqual([]);
    subscription.close();
  });
});

describe('Firestore listener window', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());
  const settle = () => vi.advanceTimersByTimeAsync(0);
  const sec = (s: number) => s * 1_000_000;

  it('rolls the listeners to the checkpoint minus the lag once they delivered more than windowDocs, when at most half would be read again', async () => {
    const { source, deliveredIds, subscription } = start({ windowDocs: 2, chunks: 2 });
    const [first, other] = source.open();
    other!.emit(false);
    first!.emit(false, [listDoc('a', sec(100)), listDoc('b', sec(200))]);
    await settle();
    expect(source.opened).toHaveLength(2);
    first!.emit(false, [listDoc('c', sec(300))]);
    await settle();
    expect(deliveredIds()).toEqual(['added:a', 'added:b', 'added:c']);
    const rolled = source.open().slice(2);
    expect(rolled.map((l) => l.query)).toEqual([{ chunk: 0, bound: sec(300) - LAG }, { chunk: 1, bound: sec(300) - LAG }]);
    // Make before break: the old listeners stay, and are heard, until the new ones are current.
    expect(first!.closed || other!.closed).toBe(false);
    first!.emit(false, [listDoc('late', sec(299), sec(301))]);
    rolled[0]!.emit(false, [listDoc('c', sec(300)), modified('a', sec(400))]);
    await settle();
    expect(deliveredIds()).toEqual(['added:a', 'added:b', 'added:c']);
    rolled[1]!.emit(false);
    await settle();
    expect(deliveredIds()).toEqual(['added:a', 'added:b', 'added:c', 'added:late', 'modified:a']);
    expect(first!.closed && other!.closed).toBe(true);
    subscription.close();
  });

  it('a rolled open that stalls is replaced from the checkpoint; the last current listeners stay, and are heard, until the replacement is current', async () => {
    const { source, deliveredIds, subscription } = start({ windowDocs: 2 });
    const first = source.open()[0]!;
    first.emit(false, [listDoc('a', sec(100)), listDoc('b', sec(200)), listDoc('c', sec(300))]);
    await settle();
    const rolled = source.opened[1]!;
    expect(rolled.query.bound).toBe(sec(300) - LAG);
    await vi.advanceTimersByTimeAsync(TIMEOUT + TIMEOUT + backoffBefore(2)); // the rolled listener never answers
    const reopened = source.opened[2]!;
    expect(reopened.query.bound).toBe(sec(300) - LAG);
    // The rolled listener shares the reopened one's target (same query): it goes. The first stays.
    expect([first.closed, rolled.closed]).toEqual([false, true]);
    first.emit(false, [listDoc('late', sec(250), sec(301))]); // stamped below the new bound: only the first can hear it
    reopened.emit(false, [listDoc('c', sec(300))]);
    await settle();
    expect(deliveredIds()).toEqual(['added:a', 'added:b', 'added:c', 'added:late']);
    expect(first.closed).toBe(true);
    subscription.close();
  });

  it('does not roll during a burst stamped within the lag, and rolls by itself once the lag has passed', async () => {
    const { source, subscription } = start({ windowDocs: 2 });
    const newest = sec(100) + 9_000;
    source.open()[0]!.emit(false, Array.from({ length: 10 }, (_, i) => listDoc(`d${i}`, sec(100) + i * 1000)));
    await settle();
    source.open()[0]!.emit(false, [modified('d0', newest, newest)]);
    await settle();
    expect(source.opened).toHaveLength(1); // every document is within the lag of the server's time
    await vi.advanceTimersByTimeAsync(LAG / 1000 - 100);
    expect(source.opened).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(LAG / 1000);
    expect(source.opened).toHaveLength(2);
    // The bound: the newest version plus the time since it was delivered, minus the lag.
    const bound = source.opened[1]!.query.bound!;
    expect(bound).toBeGreaterThan(newest);
    expect(bound).toBeLessThanOrEqual(newest + LAG + 2_000);
    subscription.close();
  });

  it("confirms a rolled listener's removal with the server: still there is delivered, pending local writes remove nothing, gone is removed", async () => {
    const asked: string[] = [];
    const onServer = new Map([
      ['mine', { raw: listDoc('mine', sec(150), sec(400)).doc.data(), version: sec(400), pending: false }],
      ['unsent', { raw: { name: 'local only' }, version: null, pending: true }],
    ]);
    const { source, delivered, deliveredIds, subscription } = start({
      windowDocs: 2,
      lag: 0,
      fetchDoc: (path) => {
        asked.push(path);
        return Promise.resolve(onServer.get(path.split('/').at(-1)!) ?? null);
      },
    });
    source.open()[0]!.emit(false, [listDoc('a', sec(100)), listDoc('b', sec(200)), listDoc('c', sec(300))]);
    await settle();
    source.open()[1]!.emit(false);
    await settle();
    source.open()[0]!.emit(false, [{ ...listDoc('mine', sec(150)), type: 'removed' }, { ...listDoc('gone', sec(120)), type: 'removed' }, { ...listDoc('unsent', sec(130)), type: 'removed' }]);
    await settle();
    expect(asked).toEqual(['lists/mine', 'lists/gone', 'lists/unsent']);
    expect(deliveredIds().slice(3).sort()).toEqual(['added:mine', 'removed:gone']);
    const mine = delivered.flatMap((b) => b.changes).find((c) => c.type === 'added' && c.doc.id === 'mine');
    expect(mine !== undefined && 'doc' in mine ? mine.doc.version : null).toBe(sec(400));
    subscription.close();
  });

  it("asks again when a rolled listener's removal found no answer (offline, a network cycle), and a deleted document is then removed", async () => {
    let answer: 'none' | 'gone' = 'none';
    const fetchDoc = vi.fn(() => (answer === 'none' ? Promise.reject(Object.assign(new Error('offline'), { code: 'unavailable' })) : Promise.resolve(null)));
    const { source, deliveredIds, subscription } = start({ windowDocs: 2, lag: 0, fetchDoc });
    source.open()[0]!.emit(false, [listDoc('a', sec(100)), listDoc('b', sec(200)), listDoc('c', sec(300))]);
    await settle();
    source.open()[1]!.emit(false);
    await settle();
    source.open()[0]!.emit(false, [{ ...listDoc('b', sec(200)), type: 'removed' }]); // hard-deleted by server code
    await settle();
    expect(fetchDoc).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(60_000); // still no answer: asked again, with a backoff
    expect(fetchDoc.mock.calls.length).toBeGreaterThan(1);
    expect(fetchDoc.mock.calls.length).toBeLessThan(15);
    expect(deliveredIds()).toEqual(['added:a', 'added:b', 'added:c']);
    answer = 'gone';
    await vi.advanceTimersByTimeAsync(10_000);
    expect(deliveredIds()).toEqual(['added:a', 'added:b', 'added:c', 'removed:b']);
    const asked = fetchDoc.mock.calls.length;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(fetchDoc).toHaveBeenCalledTimes(asked);
    subscription.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('close() while a removal check waits to ask again, or a flush waits for the other chunks, leaves no timer and delivers nothing', async () => {
    const fetchDoc = vi.fn(() => Promise.reject(Object.assign(new Error('offline'), { code: 'unavailable' })));
    const { source, delivered, subscription } = start({ chunks: 2, fetchDoc });
    const [zero, one] = source.open();
    zero!.emit(false, [listDoc('a', sec(100))]);
    one!.emit(false);
    await vi.advanceTimersByTimeAsync(1);
    zero!.emit(false, [{ ...listDoc('a', sec(100)), type: 'removed' }]);
    await vi.advanceTimersByTimeAsync(0);
    zero!.emit(false, [listDoc('b', sec(200))]); // its flush waits a task: two listeners
    expect(vi.getTimerCount()).toBe(2); // the removal check's retry and the flush
    subscription.close();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(fetchDoc).toHaveBeenCalledTimes(1);
    expect(delivered.flatMap((b) => b.changes.map((c) => c.type))).toEqual(['added']);
  });

  it('confirms removals without a window too (a field-filtered scope): one out of the scope is removed, one still in it is delivered', async () => {
    // In a field-filtered scope fetchDoc reads the document within the scope's filters: null when it left them.
    const inScope = new Map([['past', { raw: listDoc('past', sec(1), sec(500)).doc.data(), version: sec(500), pending: false }]]);
    const fetchDoc = vi.fn((path: string) => Promise.resolve(inScope.get(path.split('/').at(-1)!) ?? null));
    const { source, deliveredIds, subscription } = start({ fetchDoc, from: { serverTime: sec(100), id: 'z', version: sec(100) } });
    source.open()[0]!.emit(false, [listDoc('a', sec(200)), listDoc('past', sec(210))]);
    await settle();
    // 'a' left the filters; 'past' got a literal updatedAt below the listener's bound from server code.
    source.open()[0]!.emit(false, [{ ...listDoc('a', sec(200)), type: 'removed' }, { ...listDoc('past', sec(210)), type: 'removed' }]);
    await settle();
    expect(fetchDoc).toHaveBeenCalledTimes(2);
    expect(deliveredIds()).toEqual(['added:a', 'added:past', 'removed:a', 'modified:past']);
    subscription.close();
  });

  it('keeps its listeners however much they deliver when no window is set', async () => {
    const { source, deliveredIds, subscription } = start();
    source.open()[0]!.emit(false, Array.from({ length: 500 }, (_, i) => listDoc(`d${i}`, sec(100) + i)));
    await vi.advanceTimersByTimeAsync(10 * LAG);
    expect(deliveredIds()).toHaveLength(500);
    expect(source.opened).toHaveLength(1);
    subscription.close();
  });
});

describe('Firestore scope verification read', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('reads once, a second after the first open is current, from the checkpoint minus the lag, and delivers what the listener missed, never an older version', async () => {
    const fetched: FakeQuery[] = [];
    const server = [listDoc('a', 9_000_000), listDoc('missed', 9_500_000), listDoc('b', 9_800_000)];
    const { source, deliveredIds, delivered, subscription } = start({
      fetch: (query) => {
        fetched.push(query);
        return Promise.resolve(snapshot(server));
      },
    });
    const listener = source.open()[0]!;
    listener.emit(false, [listDoc('a', 9_000_000), listDoc('b', 10_000_000)]);
    await vi.advanceTimersByTimeAsync(999);
    expect(fetched).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(fetched).toEqual([{ chunk: 0, bound: 10_000_000 - LAG }]);
    expect(deliveredIds()).toEqual(['added:a', 'added:b', 'added:missed']);
    const b = delivered.flatMap((x) => x.changes).filter((c) => 'doc' in c && c.doc.id === 'b');
    expect(b).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(100 * TIMEOUT);
    expect(fetched).toHaveLength(1);
    subscription.close();
  });

  it('is not cancelled by a roll, is repeated after a stall reopen, and a failed read changes nothing', async () => {
    let calls = 0;
    const { source, deliveredIds, subscription } = start({
      windowDocs: 1,
      lag: 0,
      fetch: () => {
        calls += 1;
        return calls === 1 ? Promise.resolve(snapshot([listDoc('missed', 150)])) : Promise.reject(new Error('unavailable'));
      },
    });
    source.open()[0]!.emit(false, [listDoc('a', 100), listDoc('b', 200)]);
    await vi.advanceTimersByTimeAsync(0);
    expect(source.opened).toHaveLength(2); // rolled at once: lag 0
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls).toBe(1);
    source.opened[1]!.emit(false);
    await vi.advanceTimersByTimeAsync(1); // two listeners: the flush waits a task (a fake timer in a tick is 1 ms)
    expect(deliveredIds()).toEqual(['added:a', 'added:b', 'added:missed']);
    source.open()[0]!.emit(true);
    await vi.advanceTimersByTimeAsync(GRACE + TIMEOUT + backoffBefore(2));
    const reopened = source.open().at(-1)!;
    reopened.emit(false);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls).toBe(2);
    expect(deliveredIds()).toEqual(['added:a', 'added:b', 'added:missed']);
    expect(source.open()).toHaveLength(1);
    subscription.close();
  });
});
