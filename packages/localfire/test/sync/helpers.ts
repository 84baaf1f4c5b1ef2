import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNodeSqliteDriver } from '../../src/adapters/node-sqlite/index.js';
import { createLocalStore, createSyncEngine } from '../../src/index.js';
import type { LocalStore, RemotePort, RemoteScope, ScopesFn, Subscription, SyncEngine, SyncEngineOptions } from '../../src/index.js';
import { createMemoryBackend } from '../../src/testing/index.js';
import type { MemoryBackend, MemoryRemote } from '../../src/testing/index.js';
import { lists, todos } from '../fixtures/todo.js';
import { until as waitUntil } from '../../../../test-support/until.js';

export const USER = 'u1';

/**
 * The todo app's scopes: the user's lists, and the todos of every local list. A generic app
 * declaration: the framework knows nothing of todos.
 */
export const todoScopes: ScopesFn = ({ userId, store }) =>
  store.live(async (tx): Promise<RemoteScope[]> => {
    const mine = await tx.repo(lists).query({ where: { ownerId: userId } });
    return [
      { collection: 'lists', filters: [{ field: 'ownerId', op: '==', value: userId }] },
      ...mine.map((l): RemoteScope => ({ collection: 'todos', parents: { listId: l.id } })),
    ];
  });

export function newBackend(): MemoryBackend {
  return createMemoryBackend({ collections: [todos, lists] });
}

/** Counts the subscriptions a remote has open (for "stop leaves nothing running"). */
export function countingRemote(remote: MemoryRemote): MemoryRemote & { openSubscriptions(): number } {
  const open = new Set<Subscription>();
  return Object.assign(Object.create(remote) as MemoryRemote, {
    subscribe: ((scope, from, handlers) => {
      const sub = remote.subscribe(scope, from, handlers);
      const tracked: Subscription = {
        close() {
          open.delete(tracked);
          sub.close();
        },
      };
      open.add(tracked);
      return tracked;
    }) satisfies RemotePort['subscribe'],
    openSubscriptions: () => open.size,
  });
}

export interface Device {
  readonly store: LocalStore;
  readonly remote: MemoryRemote;
  readonly engine: SyncEngine;
  /** Stops the engine and closes the store (not the remote's backend). */
  close(): Promise<void>;
}

let ids = 0;
/** A device: a store (in memory unless `filename`), a remote client of `backend`, an engine. */
export async function openDevice(
  backend: MemoryBackend,
  options: { filename?: string; remote?: MemoryRemote; start?: boolean; userId?: string; engine?: Partial<SyncEngineOptions>; newId?: () => string; clock?: () => number; wrapStore?: (store: LocalStore) => LocalStore } = {},
): Promise<Device> {
  const driver = createNodeSqliteDriver({ filename: options.filename ?? ':memory:' });
  const prefix = `d${++ids}`;
  let n = 0;
  const clock = options.clock ?? Date.now;
  const opened = await createLocalStore({ driver, collections: [todos, lists], clock, newId: options.newId ?? (() => `${prefix}-${++n}`) });
  const store = options.wrapStore ? options.wrapStore(opened) : opened;
  const userId = options.userId ?? USER;
  const remote = options.remote ?? backend.connect({ userId });
  const engine = createSyncEngine({ store, remote, userId, scopes: todoScopes, clock, random: () => 0.5, ...options.engine });
  if (options.start ?? true) await engine.start();
  return {
    store,
    remote,
    engine,
    async close() {
      await engine.stop();
      await store.close();
    },
  };
}

/** Polls `condition` (real timers) until it holds; fails after 10 s. */
export const until = (condition: () => boolean | Promise<boolean>, what = 'condition'): Promise<void> =>
  waitUntil(condition, what, { timeoutMs: 10_000, intervalMs: 2 });

/** Waits until the device has nothing to push and nothing in flight. */
export async function settled(device: Device): Promise<void> {
  await until(async () => {
    await device.engine.whenIdle();
    const stats = await device.store.sync.outboxStats();
    return stats.pending === 0;
  }, 'outbox drained');
}

export function tempDir(): { dir: string; file: (name: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'localfire-sync-'));
  return { dir, file: (name) => join(dir, name), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Live (non-deleted) rows of a collection as plain data, sorted by id. */
export async function liveRows(store: LocalStore, collection: 'todos' | 'lists'): Promise<Record<string, unknown>[]> {
  const rows = collection === 'todos' ? await store.repo(todos).readAll() : await store.repo(lists).readAll();
  return rows
    .filter((r) => !r.$meta.deleted)
    .map(({ $meta: _meta, ...data }) => data as Record<string, unknown>)
    .sort((a, b) => String(a['id']).localeCompare(String(b['id'])));
}

/** The backend's live documents of a collection as plain data with `id`, sorted by id. */
export function serverRows(backend: MemoryBackend, collection: 'todos' | 'lists'): Record<string, unknown>[] {
  return backend
    .documents()
    .filter((d) => d.collection === collection && !d.deleted)
    .map((d) => {
      const { updatedAt: _u, ...data } = d.data;
      return { id: d.id, ...data };
    })
    .sort((a, b) => String(a['id']).localeCompare(String(b['id'])));
}

export const list = (id: string, name = `list ${id}`) => ({ id, name, ownerId: USER });
export const todo = (listId: string, id: string, overrides: Partial<{ title: string; done: boolean; position: number; tags: string[] }> = {}) => ({
  id,
  listId,
  title: `todo ${id}`,
  done: false,
  position: 1,
  tags: [] as string[],
  ...overrides,
});
