/*
 * Chat devices over the Firestore emulator for the sync benches: each device is its own SQLite
 * file, its own Firestore client (memory cache, signed in with a mock token) and a chat sync
 * engine at the shipped defaults; plus the waits the benches share.
 */
import { performance } from 'node:perf_hooks';
import { deleteApp, initializeApp } from 'firebase/app';
import type { Firestore } from 'firebase/firestore';
import { connectFirestoreEmulator, initializeFirestore, memoryLocalCache, terminate } from 'firebase/firestore';
import { createLocalStore } from 'localfire';
import type { LocalStore, RemotePort, SyncEngine } from 'localfire';
import { createFirestoreRemote } from 'localfire/firestore';
import type { FirestoreRemote } from 'localfire/firestore';
import { createNodeSqliteDriver } from 'localfire/node';
import type { FirestoreEmulator } from 'localfire/testing/emulator';
import { chatCollections, createChatRepositories, createChatSync } from '@localfire/chat-model';
import type { ChatRepositories } from '@localfire/chat-model';

let apps = 0;

/** A client-SDK Firestore on the emulator: `owner` bypasses the rules, a uid signs in with a mock token. */
export function connect(emulator: FirestoreEmulator, projectId: string, user: string): Firestore {
  const app = initializeApp({ projectId, apiKey: 'bench' }, `bench-sync-${++apps}`);
  const firestore = initializeFirestore(app, { localCache: memoryLocalCache() });
  connectFirestoreEmulator(firestore, emulator.host, emulator.port, { mockUserToken: user === 'owner' ? 'owner' : { user_id: user } });
  return firestore;
}

export async function disconnect(firestore: Firestore): Promise<void> {
  await terminate(firestore);
  await deleteApp(firestore.app);
}

export interface Device extends ChatRepositories {
  readonly userId: string;
  readonly store: LocalStore;
  readonly engine: SyncEngine;
  /** The device's own Firestore client and remote (for faults behind the engine's back). */
  readonly firestore: Firestore;
  readonly remote: FirestoreRemote;
  close(): Promise<void>;
}

export async function openDevice(options: { emulator: FirestoreEmulator; projectId: string; userId: string; filename: string; wrapRemote?: (r: RemotePort) => RemotePort }): Promise<Device> {
  const { userId } = options;
  let n = 0;
  const prefix = `${userId}-${++apps}`;
  const newId = (): string => `${prefix}-${++n}`;
  let last = 0;
  const clock = (): number => (last = Math.max(Date.now(), last + 1));
  const store = await createLocalStore({ driver: createNodeSqliteDriver({ filename: options.filename }), collections: chatCollections, clock, newId });
  const firestore = connect(options.emulator, options.projectId, userId);
  const remote = createFirestoreRemote({ firestore, collections: [...chatCollections] });
  const engine = createChatSync({ store, remote: options.wrapRemote ? options.wrapRemote(remote) : remote, userId });
  await engine.start();
  const device: Device = {
    ...createChatRepositories({ store, clock, newId }),
    userId,
    store,
    engine,
    firestore,
    remote,
    async close() {
      openDevices.delete(device);
      await engine.stop();
      await store.close();
      await remote.close();
      await disconnect(firestore);
    },
  };
  openDevices.add(device);
  return device;
}

/** Each open device's status and latest log entries, for a timed-out wait. */
const openDevices = new Set<Device>();
export function describeDevices(): string {
  return [...openDevices]
    .map((d) => [`  ${d.userId}: ${JSON.stringify(d.engine.status.get())}`, ...d.engine.log.entries().slice(-15).map((e) => `    ${JSON.stringify(e)}`)].join('\n'))
    .join('\n');
}

export async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000, pollMs = 5): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}\n${describeDevices()}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

export async function drained(device: Device): Promise<void> {
  await until(async () => {
    await device.engine.whenIdle();
    return (await device.store.sync.outboxStats()).pending === 0;
  }, `${device.userId}'s outbox to drain`);
}

/** Resolves with `performance.now()` at the first emission of `list` holding `id`. */
export function arrivals(): { next(id: string): Promise<number>; check(ids: Iterable<string>): void } {
  const waiting = new Map<string, (at: number) => void>();
  return {
    next: (id) => new Promise<number>((resolve) => waiting.set(id, resolve)),
    check(ids) {
      if (waiting.size === 0) return;
      const at = performance.now();
      for (const id of ids) {
        const resolve = waiting.get(id);
        if (resolve === undefined) continue;
        waiting.delete(id);
        resolve(at);
      }
    },
  };
}
