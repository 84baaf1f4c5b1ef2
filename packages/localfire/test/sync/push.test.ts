import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LocalStore, RemoteWrite } from '../../src/index.js';
import type { MemoryRemote } from '../../src/testing/index.js';
import { createMemoryBackend } from '../../src/testing/index.js';
import { lists, todos } from '../fixtures/todo.js';
import { createBackoff } from '../../src/sync/backoff.js';
import { createInFlightWrites } from '../../src/sync/in-flight.js';
import { createPushLoop } from '../../src/sync/push-loop.js';
import type { PushLoop } from '../../src/sync/push-loop.js';
import { countingRemote, list, newBackend, openDevice, serverRows, todo } from './helpers.js';
import type { Device } from './helpers.js';

/** Records the paths of every write call (one array per call) and its time. */
function recordWrites(remote: MemoryRemote): { calls: { at: number; paths: string[] }[] } {
  const calls: { at: number; paths: string[] }[] = [];
  const write = remote.write.bind(remote);
  remote.write = (writes: readonly RemoteWrite[], options?: { readonly signal?: AbortSignal }) => {
    calls.push({ at: Date.now(), paths: writes.map((w) => w.path) });
    return write(writes, options);
  };
  return { calls };
}

describe('push loop (fake timers)', () => {
  const open: Device[] = [];
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    vi.setSystemTime(Date.UTC(2026, 0, 1));
  });
  afterEach(async () => {
    for (const d of open.splice(0)) await d.close();
    vi.useRealTimers();
  });
  const device = async (...args: Parameters<typeof openDevice>) => {
    const d = await openDevice(...args);
    open.push(d);
    return d;
  };

  it('retries a retryable failure after 1, 2, 4, 8 and 16 s, then marks the write failed', async () => {
    const backend = newBackend();
    const remote = backend.connect({ userId: 'u1' });
    const { calls } = recordWrites(remote);
    const a = await device(backend, { remote });
    remote.failNextWrites(6, 'internal');
    const t0 = Date.now();
    await a.store.repo(lists).create(list('l1'));
    await a.engine.whenIdle();
    for (let i = 0; i < 40; i++) {
      await vi.advanceTimersByTimeAsync(1000);
      await a.engine.whenIdle();
    }
    expect(calls.map((c) => c.at - t0)).toEqual([0, 1000, 3000, 7000, 15000, 31000]);
    const retries = a.engine.log.entries().filter((e) => e.type === 'retry-scheduled');
    expect(retries.map((e) => (e.type === 'retry-scheduled' ? e.delayMs : 0))).toEqual([1000, 2000, 4000, 8000, 16000]);
    expect(a.engine.log.entries().some((e) => e.type === 'write-failed')).toBe(true);
    expect(a.engine.status.get()).toMatchObject({ failedCount: 1, pendingCount: 0 });
    expect((await a.store.repo(lists).read('l1'))?.$meta.syncStatus).toBe('failed');
    expect(a.engine.status.get().lastError?.kind).toBe('internal');

    await a.engine.forceSync();
    expect(calls).toHaveLength(7);
    expect(serverRows(backend, 'lists').map((l) => l['id'])).toEqual(['l1']);
    expect(a.engine.status.get()).toMatchObject({ failedCount: 0, pendingCount: 0 });
  });

  it('jitter spreads the delays within ±20 % (injected random)', async () => {
    const backend = newBackend();
    const remote = backend.connect({ userId: 'u1' });
    const a = await device(backend, { remote, engine: { random: () => 0 } });
    remote.failNextWrites(2, 'quota');
    await a.store.repo(lists).create(list('l1'));
    await a.engine.whenIdle();
    await vi.advanceTimersByTimeAsync(800);
    await a.engine.whenIdle();
    const delays = a.engine.log.entries().flatMap((e) => (e.type === 'retry-scheduled' ? [e.delayMs] : []));
    expect(delays).toEqual([800, 1600]);
  });

  it('a non-retryable failure fails at once, alone: the rest of the batch is pushed, no retry storm', async () => {
    const backend = createMemoryBackend({ collections: [todos, lists], rules: ({ path, op }) => !(op === 'write' && path === 'lists/poison') });
    const remote = backend.connect({ userId: 'u1' });
    const { calls } = recordWrites(remote);
    const a = await device(backend, { remote });
    await a.store.transaction(async (tx) => {
      for (const id of ['l1', 'l2', 'poison', 'l3', 'l4']) await tx.repo(lists).create(list(id));
    });
    await a.engine.whenIdle();
    expect(serverRows(backend, 'lists').map((l) => l['id'])).toEqual(['l1', 'l2', 'l3', 'l4']);
    expect((await a.store.repo(lists).read('poison'))?.$meta.syncStatus).toBe('failed');
    expect((await a.store.repo(lists).read('poison'))?.name).toBe('list poison');
    expect(a.engine.status.get()).toMatchObject({ failedCount: 1, pendingCount: 0 });
    expect(a.engine.status.get().lastError?.kind).toBe('permission-denied');
    const failed = a.engine.log.entries().filter((e) => e.type === 'write-failed');
    expect(failed.map((e) => (e.type === 'write-failed' ? e.path : ''))).toEqual(['lists/poison']);
    const callsAfterIsolation = calls.length;
    expect(callsAfterIsolation).toBeLessThanOrEqual(7);
    await vi.advanceTimersByTimeAsync(120_000);
    await a.engine.whenIdle();
    expect(calls.length).toBe(callsAfterIsolation);
    // Other documents keep flowing while the poison write stays failed.
    await a.store.repo(lists).create(list('l5'));
    await a.engine.whenIdle();
    expect(serverRows(backend, 'lists').map((l) => l['id'])).toContain('l5');
    expect(calls.at(-1)?.paths).toEqual(['lists/l5']);
  });

  it("one document's backoff never delays another document", async () => {
    const backend = newBackend();
    const remote = backend.connect({ userId: 'u1' });
    const a = await device(backend, { remote });
    remote.failNextWrites(1, 'internal');
    await a.store.repo(lists).create(list('slow'));
    await a.engine.whenIdle();
    await a.store.repo(lists).create(list('fast'));
    await a.engine.whenIdle();
    expect(serverRows(backend, 'lists').map((l) => l['id'])).toEqual(['fast']);
    await vi.advanceTimersByTimeAsync(1000);
    await a.engine.whenIdle();
    expect(serverRows(backend, 'lists').map((l) => l['id'])).toEqual(['fast', 'slow']);
  });

  it('later writes of a failing document wait behind it (per-document order)', async () => {
    const backend = newBackend();
    const remote = backend.connect({ userId: 'u1' });
    const { calls } = recordWrites(remote);
    const a = await device(backend, { remote });
    remote.failNextWrites(1, 'internal');
    await a.store.repo(lists).create(list('l1', 'first'));
    await a.engine.whenIdle();
    await a.store.repo(lists).update('l1', { name: 'second' });
    await a.engine.whenIdle();
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1000);
    await a.engine.whenIdle();
    expect(serverRows(backend, 'lists')).toEqual([{ id: 'l1', name: 'second', ownerId: 'u1' }]);
    expect(calls[1]?.paths).toEqual(['lists/l1', 'lists/l1']);
  });

  it('pauses offline, pushes at once on reconnect, and retries failed writes on reconnect and on start-up', async () => {
    const backend = createMemoryBackend({ collections: [todos, lists], rules: ({ path, op }) => !(op === 'write' && path === 'lists/denied') || allowDenied });
    let allowDenied = false;
    const remote = backend.connect({ userId: 'u1' });
    const { calls } = recordWrites(remote);
    const a = await device(backend, { remote });
    remote.setOnline(false);
    await a.store.repo(lists).create(list('l1'));
    await a.engine.whenIdle();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toHaveLength(0);
    expect(a.engine.status.get()).toMatchObject({ online: false, pendingCount: 1 });
    remote.setOnline(true);
    await a.engine.whenIdle();
    expect(serverRows(backend, 'lists').map((l) => l['id'])).toEqual(['l1']);
    expect(a.engine.log.entries().map((e) => e.type)).toEqual(expect.arrayContaining(['offline', 'online']));

    await a.store.repo(lists).create(list('denied'));
    await a.engine.whenIdle();
    expect(a.engine.status.get().failedCount).toBe(1);
    allowDenied = true;
    remote.setOnline(false);
    remote.setOnline(true);
    await a.engine.whenIdle();
    expect(serverRows(backend, 'lists').map((l) => l['id'])).toEqual(['denied', 'l1']);

    allowDenied = false;
    await a.store.repo(lists).update('denied', { name: 'again' });
    await a.engine.whenIdle();
    expect(a.engine.status.get().failedCount).toBe(1);
    await a.engine.stop();
    allowDenied = true;
    await a.engine.start();
    await a.engine.whenIdle();
    expect(serverRows(backend, 'lists').find((l) => l['id'] === 'denied')?.['name']).toBe('again');
    expect(a.engine.status.get().failedCount).toBe(0);
  });

  it('a write that never settles hits the deadline and is retried', async () => {
    const backend = newBackend();
    const remote = backend.connect({ userId: 'u1' });
    const write = remote.write.bind(remote);
    let hang = true;
    remote.write = (writes, options) => (hang ? new Promise(() => undefined) : write(writes, options));
    const a = await device(backend, { remote, engine: { pushDeadlineMs: 5000 } });
    await a.store.repo(lists).create(list('l1'));
    await vi.advanceTimersByTimeAsync(5000);
    await a.engine.whenIdle();
    const failure = a.engine.log.entries().find((e) => e.type === 'sync-failed');
    expect(failure?.type === 'sync-failed' && failure.error.kind).toBe('timeout');
    hang = false;
    await vi.advanceTimersByTimeAsync(1000);
    await a.engine.whenIdle();
    expect(serverRows(backend, 'lists').map((l) => l['id'])).toEqual(['l1']);
  });

  it('the periodic worker (10 s) pushes a write whose change signal was missed', async () => {
    const backend = newBackend();
    const deaf = (store: LocalStore): LocalStore => Object.assign(Object.create(store) as LocalStore, { sync: { ...store.sync, onOutboxChange: () => () => undefined } });
    const a = await device(backend, { wrapStore: deaf });
    await a.store.repo(lists).create(list('l1'));
    await a.engine.whenIdle();
    await vi.advanceTimersByTimeAsync(9_000);
    await a.engine.whenIdle();
    expect(serverRows(backend, 'lists')).toEqual([]);
    await vi.advanceTimersByTimeAsync(1_000);
    await a.engine.whenIdle();
    expect(serverRows(backend, 'lists').map((l) => l['id'])).toEqual(['l1']);
  });

  it('a stopped engine leaves no timer and no subscription behind', async () => {
    const backend = newBackend();
    const remote = countingRemote(backend.connect({ userId: 'u1' }));
    const timersBefore = vi.getTimerCount();
    const a = await openDevice(backend, { remote });
    remote.failNextWrites(1, 'internal');
    await a.store.repo(lists).create(list('l1'));
    await a.engine.whenIdle();
    await a.store.repo(todos).create(todo('l1', 't1'));
    await a.engine.whenIdle();
    expect(vi.getTimerCount()).toBeGreaterThan(timersBefore);
    expect(remote.openSubscriptions()).toBeGreaterThan(0);
    await a.engine.stop();
    expect(vi.getTimerCount()).toBe(timersBefore);
    expect(remote.openSubscriptions()).toBe(0);
    await a.store.close();
  });
});

describe('push loop (unit)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('a kick that lands while a pass is winding down is not lost (nor is the backoff wake-up it cleared)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    vi.setSystemTime(Date.UTC(2026, 0, 1));
    const backend = newBackend();
    const d = await openDevice(backend, { start: false });
    const remote = d.remote;
    const { calls } = recordWrites(remote);
    let kickWhileWindingDown = false;
    const loop: PushLoop = createPushLoop({
      store: d.store.sync,
      remote,
      backoff: createBackoff({}, () => 0.5),
      clock: Date.now,
      log: { emit: () => undefined },
      isOnline: () => true,
      deadlineMs: 15_000,
      collections: new Map(d.store.collections.map((def) => [def.name, def])),
      inFlight: createInFlightWrites(),
      // Anything may kick here: a commit's outbox listener, a network event, an app status listener.
      onActive: (active) => {
        if (!active && kickWhileWindingDown) {
          kickWhileWindingDown = false;
          loop.kick();
        }
      },
    });
    remote.failNextWrites(1, 'internal');
    await d.store.repo(lists).create(list('l1'));
    kickWhileWindingDown = true;
    loop.kick();
    await loop.whenIdle();
    expect(calls).toHaveLength(1);
    expect(kickWhileWindingDown).toBe(false);
    await vi.advanceTimersByTimeAsync(1_000);
    await loop.whenIdle();
    expect(calls).toHaveLength(2);
    expect(serverRows(backend, 'lists').map((l) => l['id'])).toEqual(['l1']);
    loop.stop();
    await d.close();
  });
});
