/*
 * The engine's status rules over the in-memory remote, at the shipped defaults (no timing
 * option is set), with fake timers so the timing rules are exact.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LocalfireError } from '../../src/index.js';
import type { EngineStatus, NetworkMonitor, NetworkState, RemoteScope, ScopeContext } from '../../src/index.js';
import { createMemoryBackend } from '../../src/testing/index.js';
import { lists, todos } from '../fixtures/todo.js';
import { countingRemote, list, newBackend, openDevice, serverRows, todo } from './helpers.js';
import type { Device } from './helpers.js';

const T0 = Date.UTC(2026, 0, 1);

describe('engine status (fake timers, shipped defaults)', () => {
  const open: Device[] = [];
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    vi.setSystemTime(T0);
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
  /** Lets microtasks and due timers run, `ms` of fake time in 100 ms steps. */
  const elapse = async (ms: number) => {
    for (let t = 0; t < ms; t += 100) await vi.advanceTimersByTimeAsync(Math.min(100, ms - t));
  };
  const status = (d: Device): EngineStatus => d.engine.status.get();
  /** Advances fake time until `condition` holds; fails after `maxMs`. Returns the time taken. */
  const advanceUntil = async (condition: () => boolean | Promise<boolean>, maxMs = 60_000): Promise<number> => {
    const start = Date.now();
    while (!(await condition())) {
      if (Date.now() - start > maxMs) throw new Error(`condition not met within ${maxMs} ms`);
      await vi.advanceTimersByTimeAsync(100);
    }
    return Date.now() - start;
  };

  it('a stalled listener never holds a write back: writes are acknowledged at once while the status is degraded', async () => {
    const backend = newBackend();
    const a = await device(backend);
    await a.store.repo(lists).create(list('l1'));
    await advanceUntil(() => status(a).phase === 'up-to-date');
    a.remote.stallSubscriptions(true);
    await elapse(6_000);
    expect(status(a).connection).toMatchObject({ name: 'degraded', since: Date.now() - 6_000, behindScopes: 2 });
    expect(status(a).phase).toBe('degraded');
    for (let i = 0; i < 3; i++) await a.store.repo(todos).create(todo('l1', `t${i}`));
    // No fake time passes: only microtasks (the remote answers at once).
    await a.engine.whenIdle();
    expect(serverRows(backend, 'todos').map((t) => t['id'])).toEqual(['t0', 't1', 't2']);
    expect(status(a)).toMatchObject({ pendingCount: 0, online: true });
    expect(status(a).phase).toBe('degraded');
    a.remote.stallSubscriptions(false);
    await advanceUntil(() => status(a).phase === 'up-to-date', 1_000);
    expect(status(a).connection.name).toBe('online');
  });

  it('a listener that fell behind is degraded only after the 5 s grace, with since = when it fell behind', async () => {
    const a = await device(newBackend());
    await a.store.repo(lists).create(list('l1'));
    await advanceUntil(() => status(a).phase === 'up-to-date');
    const stalledAt = Date.now();
    a.remote.stallSubscriptions(true);
    await elapse(4_900);
    expect(status(a).connection.name).toBe('online');
    expect(status(a).phase).toBe('syncing');
    await elapse(200);
    expect(status(a).connection).toMatchObject({ name: 'degraded', since: stalledAt });
  });

  it("says 'server-unreachable' when the server stops answering while the network is up, within ping interval + timeout (40 s)", async () => {
    const backend = newBackend();
    const a = await device(backend);
    await advanceUntil(() => status(a).phase === 'up-to-date');
    const lastAnswer = Date.now();
    a.remote.setReachable(false);
    await elapse(29_000);
    // Nothing has failed yet: the listeners are behind but within the grace of their last answer.
    expect(status(a).online).toBe(true);
    const took = await advanceUntil(() => status(a).connection.name === 'offline');
    expect(Date.now() - lastAnswer).toBeLessThanOrEqual(40_100);
    expect(took).toBeGreaterThan(0);
    expect(status(a).connection).toMatchObject({ name: 'offline', reason: 'server-unreachable', lastAnswerAt: expect.any(Number) as number });
    expect(status(a)).toMatchObject({ online: false, phase: 'offline' });

    await a.store.repo(lists).create(list('l1'));
    await elapse(1_000);
    expect(status(a).pendingCount).toBe(1);
    a.remote.setReachable(true);
    // The next probe (10 s after the last failed one), or the write's own retry, finds it back.
    await advanceUntil(() => status(a).phase === 'up-to-date', 30_000);
    expect(serverRows(backend, 'lists').map((l) => l['id'])).toEqual(['l1']);
    expect(status(a).lastError).toBeNull();
  });

  it('a write that gave up while the server was unreachable goes out once it answers again', async () => {
    const backend = newBackend();
    const a = await device(backend);
    await advanceUntil(() => status(a).phase === 'up-to-date');
    a.remote.setReachable(false);
    await a.store.repo(lists).create(list('l1'));
    // Six attempts, each timing out after 15 s, with 1+2+4+8+16 s of backoff between them.
    await advanceUntil(() => status(a).failedCount === 1, 180_000);
    expect(status(a).connection).toMatchObject({ name: 'offline', reason: 'server-unreachable' });
    a.remote.setReachable(true);
    await advanceUntil(() => status(a).phase === 'up-to-date', 15_000);
    expect(serverRows(backend, 'lists').map((l) => l['id'])).toEqual(['l1']);
  });

  it('a quiet device is probed with ping() every 30 s: one ping per interval, none while acks arrive', async () => {
    const backend = newBackend();
    const remote = backend.connect({ userId: 'u1' });
    let pings = 0;
    const ping = remote.ping.bind(remote);
    remote.ping = (o) => {
      pings++;
      return ping(o);
    };
    const a = await device(backend, { remote });
    await advanceUntil(() => status(a).phase === 'up-to-date');
    const atStart = pings;
    await elapse(29_000);
    expect(pings).toBe(atStart);
    await elapse(1_500);
    expect(pings).toBe(atStart + 1);
    // Listeners stalled: the acks alone prove the server answers.
    a.remote.stallSubscriptions(true);
    for (let i = 0; i < 6; i++) {
      await a.store.repo(lists).create(list(`l${i}`));
      await elapse(10_000);
    }
    expect(pings).toBe(atStart + 1);
  });

  it('offline reasons: the app switch (network-disabled), the platform (network-down); pushes wait and go on return', async () => {
    let platformState: NetworkState = 'online';
    const listeners = new Set<(s: NetworkState) => void>();
    const platform: NetworkMonitor = {
      get state() {
        return platformState;
      },
      subscribe: (l) => {
        listeners.add(l);
        return () => listeners.delete(l);
      },
    };
    const setPlatform = (s: NetworkState) => {
      platformState = s;
      for (const l of listeners) l(s);
    };
    const backend = newBackend();
    const a = await device(backend, { engine: { network: platform } });
    await advanceUntil(() => status(a).phase === 'up-to-date');
    a.remote.setOnline(false);
    expect(status(a).connection).toMatchObject({ name: 'offline', reason: 'network-disabled', since: Date.now() });
    a.remote.setOnline(true);
    setPlatform('offline');
    expect(status(a).connection).toMatchObject({ name: 'offline', reason: 'network-down' });
    await a.store.repo(lists).create(list('l1'));
    await elapse(20_000);
    expect(serverRows(backend, 'lists')).toEqual([]);
    expect(status(a)).toMatchObject({ pendingCount: 1, phase: 'offline', online: false });
    expect(status(a).oldestPendingAgeMs).toBeGreaterThanOrEqual(10_000);
    setPlatform('online');
    await advanceUntil(() => status(a).phase === 'up-to-date', 5_000);
    expect(serverRows(backend, 'lists').map((l) => l['id'])).toEqual(['l1']);
  });

  it("'signed-out' when the server refuses the credentials; online again, and the refused write sent, when it next accepts", async () => {
    const backend = newBackend();
    const a = await device(backend);
    await advanceUntil(() => status(a).phase === 'up-to-date');
    const seen: string[] = [];
    a.engine.status.subscribe((s) => seen.push(s.connection.name === 'offline' ? s.connection.reason : s.connection.name));
    a.remote.failNextWrites(1, 'unauthenticated');
    await a.store.repo(lists).create(list('l1'));
    await a.engine.whenIdle();
    expect(seen).toContain('signed-out');
    expect(a.engine.log.entries().some((e) => e.type === 'write-failed' && e.error.kind === 'unauthenticated')).toBe(true);
    // The in-memory ping does not check credentials: its next answer ends 'signed-out', and
    // the write refused meanwhile is tried again, as on a reconnect.
    await advanceUntil(() => status(a).phase === 'up-to-date', 1_000);
    expect(status(a).connection.name).toBe('online');
    expect(serverRows(backend, 'lists').map((l) => l['id'])).toEqual(['l1']);
  });

  it("'denied' when the server refuses every scope", async () => {
    const backend = createMemoryBackend({ collections: [todos, lists], rules: ({ op }) => op === 'write' });
    const a = await device(backend);
    await advanceUntil(() => status(a).connection.name === 'offline', 1_000);
    expect(status(a).connection).toMatchObject({ reason: 'denied' });
    expect(status(a).lastError?.kind).toBe('permission-denied');
  });

  it('pending and failed counts are rows (entries kept apart), failures grouped by reason; up-to-date never with a failure', async () => {
    const backend = createMemoryBackend({ collections: [todos, lists], rules: ({ path, op }) => !(op === 'write' && path.endsWith('/denied')) });
    const a = await device(backend);
    await advanceUntil(() => status(a).phase === 'up-to-date');
    a.remote.setOnline(false);
    await a.store.repo(lists).create(list('l1'));
    await a.store.repo(lists).update('l1', { name: 'renamed' });
    await a.store.repo(lists).update('l1', { name: 'renamed again' });
    await a.engine.whenIdle();
    expect(status(a)).toMatchObject({ pendingCount: 1, pendingEntries: 3, pendingRows: { lists: 1, todos: 0 } });
    a.remote.setOnline(true);
    await a.store.repo(lists).create(list('denied'));
    await advanceUntil(() => status(a).failedCount === 1, 5_000);
    expect(status(a)).toMatchObject({ pendingCount: 0, failedRows: { lists: 1 }, failuresByReason: { 'permission-denied': 1 }, phase: 'failed' });
    expect(status(a).lastError?.kind).toBe('permission-denied');
  });

  it('never up-to-date between a local write and the counters that include it', async () => {
    const a = await device(newBackend());
    await advanceUntil(() => status(a).phase === 'up-to-date');
    const phases: string[] = [];
    a.engine.status.subscribe((s) => phases.push(s.phase));
    await a.store.repo(lists).create(list('l1'));
    expect(status(a).phase).not.toBe('up-to-date');
    await advanceUntil(() => status(a).phase === 'up-to-date' && status(a).subscriptions === 2, 1_000);
    // From the write on, the first 'up-to-date' comes with the write acknowledged.
    expect(phases.indexOf('syncing')).toBe(0);
  });

  it('lastError clears on recovery; the log keeps it', async () => {
    const a = await device(newBackend());
    await advanceUntil(() => status(a).phase === 'up-to-date');
    a.remote.failNextWrites(1, 'internal');
    await a.store.repo(lists).create(list('l1'));
    await a.engine.whenIdle();
    expect(status(a).lastError?.kind).toBe('internal');
    // Backing off (no push in flight), every listener current: pending, so not up to date.
    expect(status(a)).toMatchObject({ pendingCount: 1, syncing: false, phase: 'syncing' });
    await advanceUntil(() => status(a).pendingCount === 0, 5_000);
    expect(status(a).lastError).toBeNull();
    expect(a.engine.log.entries().some((e) => e.type === 'sync-failed' && e.error.kind === 'internal')).toBe(true);
  });

  it('initial sync progress counts documents and current scopes; whenSynced waits for every listener and every write', async () => {
    const backend = newBackend();
    const seeder = await device(backend);
    await seeder.store.repo(lists).create(list('l1'));
    for (let i = 0; i < 4; i++) await seeder.store.repo(todos).create(todo('l1', `t${i}`));
    await advanceUntil(() => status(seeder).phase === 'up-to-date');

    const remote = backend.connect({ userId: 'u1' });
    remote.stallSubscriptions(true);
    const b = await device(backend, { remote });
    let synced = false;
    const whenSynced = b.engine.whenSynced().then(() => (synced = true));
    await b.store.repo(lists).create(list('l2'));
    await elapse(2_000);
    // Acknowledged (the stall holds only the listeners), but the listeners are not current.
    expect(status(b).pendingCount).toBe(0);
    expect(synced).toBe(false);
    expect(status(b).initialSync).toMatchObject({ scopesCurrent: 0, done: false });
    remote.stallSubscriptions(false);
    await whenSynced;
    expect(status(b).initialSync).toEqual({ documentsReceived: 6, scopesCurrent: 3, scopesTotal: 3, done: true });
    expect(status(b).phase).toBe('up-to-date');
  });

  it('whenSynced rejects closed when the engine stops first', async () => {
    const a = await device(newBackend());
    a.remote.setOnline(false);
    await a.store.repo(lists).create(list('l1'));
    const waiting = a.engine.whenSynced();
    await a.engine.stop();
    await expect(waiting).rejects.toSatisfy((e) => e instanceof LocalfireError && e.kind === 'closed');
  });

  it('push and pull latency percentiles; pull latency is right on a device whose clock is an hour ahead', async () => {
    const backend = newBackend();
    const a = await device(backend);
    const skewed = await device(backend, { clock: () => Date.now() + 3_600_000 });
    a.remote.setLatency(40);
    skewed.remote.setLatency(40);
    await a.store.repo(lists).create(list('l1'));
    await advanceUntil(() => status(a).phase === 'up-to-date' && status(skewed).phase === 'up-to-date');
    // The skewed device learns the server clock's offset from its own acks.
    await skewed.store.repo(todos).create(todo('l1', 'mine'));
    await advanceUntil(() => status(skewed).pendingCount === 0);
    for (let i = 0; i < 5; i++) {
      await a.store.repo(todos).create(todo('l1', `t${i}`));
      await advanceUntil(async () => (await skewed.store.repo(todos).read(`t${i}`)) !== undefined, 5_000);
    }
    const push = status(a).latency.push;
    expect(push?.samples).toBeGreaterThanOrEqual(6);
    expect(push?.p50).toBeGreaterThanOrEqual(40);
    expect(push?.p99).toBeLessThan(200);
    const pull = status(skewed).latency.pull;
    expect(pull?.samples).toBeGreaterThanOrEqual(5);
    expect(pull?.p50).toBeGreaterThanOrEqual(0);
    expect(pull?.p99).toBeLessThan(500);
  });

  it('a quarantined document leaves quarantine when a valid version of it arrives', async () => {
    const backend = newBackend();
    const a = await device(backend);
    await a.store.repo(lists).create(list('l1'));
    await advanceUntil(() => status(a).phase === 'up-to-date');
    backend.injectRaw('lists/l1/todos/bad', { listId: 'l1', title: 42, done: false, position: 1, tags: [] });
    await advanceUntil(() => status(a).quarantinedCount === 1, 1_000);
    backend.injectRaw('lists/l1/todos/bad', { listId: 'l1', title: 'fixed', done: false, position: 1, tags: [] });
    await advanceUntil(() => status(a).quarantinedCount === 0, 1_000);
    expect((await a.store.repo(todos).read('bad'))?.title).toBe('fixed');
    expect(await a.store.sync.listQuarantine()).toEqual([]);
  });

  it('a scopes function that throws is logged and shown; phase failed until it emits again', async () => {
    let fail = true;
    const flaky = (ctx: ScopeContext) =>
      ctx.store.live(async (tx): Promise<RemoteScope[]> => {
        const all = await tx.repo(lists).readAll();
        if (fail && all.length === 0) throw new LocalfireError('invalid-query', 'scopes exploded');
        return [{ collection: 'lists', filters: [{ field: 'ownerId', op: '==', value: ctx.userId }] }];
      });
    const a = await device(newBackend(), { engine: { scopes: flaky } });
    await advanceUntil(() => status(a).scopesError !== null, 1_000);
    expect(status(a).scopesError).toMatchObject({ kind: 'invalid-query', message: 'scopes exploded' });
    expect(status(a).phase).toBe('failed');
    expect(a.engine.log.entries().some((e) => e.type === 'scopes-failed' && e.error.message === 'scopes exploded')).toBe(true);
    fail = false;
    await a.store.repo(lists).create(list('l1'));
    await advanceUntil(() => status(a).phase === 'up-to-date', 5_000);
    expect(status(a).scopesError).toBeNull();
  });

  it('closing the store stops its engine: no subscription, timer or listener is left', async () => {
    const backend = newBackend();
    const remote = countingRemote(backend.connect({ userId: 'u1' }));
    const a = await openDevice(backend, { remote });
    await a.store.repo(lists).create(list('l1'));
    await advanceUntil(() => remote.openSubscriptions() === 2 && status(a).phase === 'up-to-date');
    await a.store.close();
    expect(status(a)).toMatchObject({ running: false, phase: 'stopped', subscriptions: 0 });
    expect(remote.openSubscriptions()).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });
});
