// The engine's small parts: backoff, log ring buffer, observable status, network monitors, scope keys.
import { describe, expect, it } from 'vitest';
import { createBackoff } from '../../src/sync/backoff.js';
import { createSyncLog } from '../../src/sync/log.js';
import type { SyncLogEntry } from '../../src/sync/log.js';
import { combineNetworks, networkFromBrowser, networkFromRemote } from '../../src/sync/network.js';
import { createObservableCell } from '../../src/sync/observable.js';
import { checkpointMetaKey, scopeKey } from '../../src/sync/scope-key.js';
import { createInFlightWrites } from '../../src/sync/in-flight.js';
import { parseCheckpoint } from '../../src/sync/apply-changes.js';
import { createStatusRefresher } from '../../src/sync/status-refresher.js';
import { createStatusCell } from '../../src/sync/status.js';
import type { SyncStore } from '../../src/index.js';
import { newBackend } from './helpers.js';

describe('backoff', () => {
  it('defaults to 1, 2, 4, 8, 16 s then gives up; jitter stays within ±20 %', () => {
    const nominal = createBackoff({}, () => 0.5);
    expect([1, 2, 3, 4, 5, 6].map((n) => nominal.delay(n))).toEqual([1000, 2000, 4000, 8000, 16000, null]);
    expect(createBackoff({}, () => 0).delay(1)).toBe(800);
    expect(createBackoff({}, () => 0.999999).delay(1)).toBe(1200);
  });

  it('is configurable and capped', () => {
    const b = createBackoff({ baseMs: 100, factor: 3, maxDelayMs: 500, maxRetries: 4, jitter: 0 });
    expect([1, 2, 3, 4, 5].map((n) => b.delay(n))).toEqual([100, 300, 500, 500, null]);
  });
});

describe('sync log', () => {
  it('keeps the last `capacity` entries in order, numbered, and feeds the sink and subscribers', () => {
    const sunk: SyncLogEntry[] = [];
    let now = 0;
    const log = createSyncLog({ clock: () => ++now, capacity: 3, sink: (e) => sunk.push(e) });
    const heard: string[] = [];
    const off = log.subscribe((e) => heard.push(e.type));
    for (let i = 0; i < 5; i++) log.emit({ type: 'cache-evicted', collection: 'c', count: i });
    off();
    log.emit({ type: 'online' });
    expect(log.entries().map((e) => e.seq)).toEqual([4, 5, 6]);
    expect(log.entries().map((e) => e.at)).toEqual([4, 5, 6]);
    expect(sunk).toHaveLength(6);
    expect(heard).toHaveLength(5);
  });

  it('a throwing sink never breaks logging; the default capacity is 500', () => {
    const log = createSyncLog({ clock: () => 0, sink: () => {
      throw new Error('sink down');
    } });
    for (let i = 0; i < 600; i++) log.emit({ type: 'offline' });
    expect(log.entries()).toHaveLength(500);
    expect(log.capacity).toBe(500);
  });
});

describe('observable status cell', () => {
  it('emits immutable snapshots only on real change', () => {
    const cell = createObservableCell({ a: 1, b: { c: [1] } });
    const seen: unknown[] = [];
    const off = cell.subscribe((v) => seen.push(v));
    cell.update({ a: 1 });
    cell.update({ b: { c: [1] } });
    expect(seen).toHaveLength(0);
    cell.update({ a: 2 });
    expect(seen).toEqual([{ a: 2, b: { c: [1] } }]);
    expect(Object.isFrozen(cell.get())).toBe(true);
    off();
    cell.update({ a: 3 });
    expect(seen).toHaveLength(1);
  });

  it('is async-iterable: the current value, then changes; breaking unsubscribes', async () => {
    const cell = createObservableCell({ n: 0 });
    const values: number[] = [];
    const done = (async () => {
      for await (const v of cell.values()) {
        values.push(v.n);
        if (v.n === 2) break;
      }
    })();
    await Promise.resolve();
    cell.update({ n: 1 });
    await new Promise((r) => setTimeout(r, 0));
    cell.update({ n: 2 });
    await done;
    expect(values).toEqual([0, 1, 2]);
  });
});

describe('network monitors', () => {
  it('follows the remote connection state', () => {
    const remote = newBackend().connect({ userId: 'u' });
    const net = networkFromRemote(remote);
    const heard: string[] = [];
    const off = net.subscribe((s) => heard.push(s));
    remote.setOnline(false);
    expect(net.state).toBe('offline');
    remote.setOnline(true);
    off();
    remote.setOnline(false);
    expect(heard).toEqual(['offline', 'online']);
  });

  it('follows browser online/offline events, and combines monitors', () => {
    const listeners = new Map<string, Set<() => void>>();
    const win = {
      navigator: { onLine: true },
      addEventListener: (t: string, l: () => void) => listeners.set(t, (listeners.get(t) ?? new Set()).add(l)),
      removeEventListener: (t: string, l: () => void) => listeners.get(t)?.delete(l),
    };
    const fire = (t: 'online' | 'offline') => {
      win.navigator.onLine = t === 'online';
      for (const l of listeners.get(t) ?? []) l();
    };
    const browser = networkFromBrowser(win);
    const remote = newBackend().connect({ userId: 'u' });
    const both = combineNetworks(browser, networkFromRemote(remote));
    const heard: string[] = [];
    const off = both.subscribe((s) => heard.push(s));
    fire('offline');
    remote.setOnline(false);
    fire('online');
    remote.setOnline(true);
    expect(heard).toEqual(['offline', 'online']);
    off();
    expect([...(listeners.get('online') ?? [])]).toHaveLength(0);
  });
});

describe('scope keys', () => {
  it('equal scopes get equal keys whatever the order of parents, filters or `in` values', () => {
    const a = scopeKey({ collection: 'users', filters: [{ field: 'id', op: 'in', value: ['b', 'a'] }, { field: 'x', op: '==', value: 1 }] });
    const b = scopeKey({ collection: 'users', filters: [{ field: 'x', op: '==', value: 1 }, { field: 'id', op: 'in', value: ['a', 'b'] }] });
    expect(a).toBe(b);
    expect(scopeKey({ collection: 'm', parents: { p: '1', q: '2' } })).toBe(scopeKey({ collection: 'm', parents: { q: '2', p: '1' } }));
    expect(scopeKey({ collection: 'm', parents: { p: '1' } })).not.toBe(scopeKey({ collection: 'm', parents: { p: '2' } }));
    expect(checkpointMetaKey(a).startsWith('checkpoint:')).toBe(true);
  });
});

describe('stored checkpoints', () => {
  it('keep their version when they have one, and an unreadable one means from the start', () => {
    expect(parseCheckpoint(JSON.stringify({ serverTime: 5, id: 'a', version: 7 }))).toEqual({ serverTime: 5, id: 'a', version: 7 });
    expect(parseCheckpoint(JSON.stringify({ serverTime: 5, id: 'a' }))).toEqual({ serverTime: 5, id: 'a' });
    expect(parseCheckpoint(JSON.stringify({ serverTime: 5, id: 'a', version: 'x' }))).toEqual({ serverTime: 5, id: 'a' });
    for (const broken of [undefined, 'not json', JSON.stringify({ id: 'a' }), JSON.stringify({ serverTime: '5', id: 'a' })]) expect(parseCheckpoint(broken)).toBeNull();
  });
});

describe('in-flight writes', () => {
  it('remembers the newest snapshot of a document only while its write is in flight', () => {
    const f = createInFlightWrites();
    const doc = (version: number) => ({ collection: 'c', id: 'x', path: 'c/x', data: {}, serverTime: version, version, deleted: false });
    f.noteSnapshot(doc(1));
    expect(f.take('c/x')).toBeUndefined();
    const h = f.begin(['c/x']);
    f.noteSnapshot(doc(5));
    f.noteSnapshot(doc(3));
    expect(f.take('c/x')?.version).toBe(5);
    f.noteSnapshot(doc(7));
    f.end(h);
    expect(f.take('c/x')).toBeUndefined();
  });
});

describe('status refresher', () => {
  it('a request landing at any point while a refresh winds down is never lost', async () => {
    const tick = () => Promise.resolve();
    for (let delay = 0; delay < 12; delay++) {
      let reads = 0;
      let pending = 3;
      const store = {
        statusCounts: () => {
          reads++;
          return Promise.resolve({ outbox: { pending, failed: 0, oldestAt: null }, quarantined: 0, cache: { rows: {}, bytes: 0 } });
        },
      } as unknown as SyncStore;
      const status = createStatusCell();
      const refresher = createStatusRefresher({ store, status, clock: () => 0 });
      refresher.request();
      // The outbox changes, and asks for a refresh, `delay` microtasks after the first read began.
      void (async () => {
        for (let i = 0; i < delay; i++) await tick();
        pending = 0;
        refresher.request();
      })();
      for (let i = 0; i < 20; i++) await tick();
      await refresher.whenIdle();
      expect({ delay, pendingCount: status.get().pendingCount }).toEqual({ delay, pendingCount: 0 });
      expect(reads).toBeGreaterThanOrEqual(1);
    }
  });
});
