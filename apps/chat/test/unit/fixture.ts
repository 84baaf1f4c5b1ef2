// Two devices (Node SQLite in memory) on one in-memory backend, with the chat repositories and
// sync engines: the view models under test get real repositories, as in the app.
import { vi } from 'vitest';
import { createLocalStore } from 'localfire';
import type { LocalStore, SyncEngine } from 'localfire';
import { createNodeSqliteDriver } from 'localfire/node';
import { createMemoryBackend } from 'localfire/testing';
import type { MemoryBackend, MemoryRemote } from 'localfire/testing';
import { chatCollections, createChatRepositories, createChatSync, users } from '@localfire/chat-model';
import type { ChatRepositories } from '@localfire/chat-model';
import type { Observable } from '../../src/view-models/index.js';

export const T0 = Date.UTC(2024, 0, 1, 12, 0, 0);

export interface Device {
  readonly userId: string;
  readonly store: LocalStore;
  readonly repositories: ChatRepositories;
  readonly remote: MemoryRemote;
  readonly engine: SyncEngine;
}

export interface World {
  readonly backend: MemoryBackend;
  /** Moves the shared clock forward by `ms` (default 1000). */
  advance(ms?: number): void;
  device(userId: string, options?: { readonly sync?: boolean }): Promise<Device>;
  close(): Promise<void>;
}

export function createWorld(): World {
  let now = T0;
  let seq = 0;
  const clock = (): number => now;
  const backend = createMemoryBackend({ collections: chatCollections, clock });
  const devices: Device[] = [];
  return {
    backend,
    advance(ms = 1000) {
      now += ms;
    },
    async device(userId, options = {}) {
      const newId = (): string => `${userId}-${String(++seq).padStart(4, '0')}`;
      const store = await createLocalStore({ driver: createNodeSqliteDriver({ filename: ':memory:' }), collections: chatCollections, clock, newId });
      const repositories = createChatRepositories({ store, clock, newId, userId });
      const remote = backend.connect({ userId });
      const engine = createChatSync({ store, remote, userId, clock, random: () => 0.5, periodicMs: 60_000 });
      if (options.sync !== false) await engine.start();
      const device = { userId, store, repositories, remote, engine };
      devices.push(device);
      return device;
    },
    async close() {
      for (const d of devices) {
        await d.engine.stop();
        await d.store.close();
      }
    },
  };
}

/** Seeds profiles on a device, past the repositories' checks (they sync to the backend like any write). */
export async function seedUsers(device: Device, ids: readonly string[]): Promise<void> {
  for (const id of ids) {
    await device.store.repo(users).create({ id, displayName: id[0]!.toUpperCase() + id.slice(1), isOnline: id === 'bob' });
  }
}

/** Waits until the observable's state satisfies `done`, returning that state. */
export async function until<S>(source: Observable<S>, done: (state: S) => boolean): Promise<S> {
  await vi.waitFor(() => {
    if (!done(source.get())) throw new Error(`not yet: ${JSON.stringify(source.get(), null, 1).slice(0, 600)}`);
  }, { timeout: 5000, interval: 5 });
  return source.get();
}
