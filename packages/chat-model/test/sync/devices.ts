/*
 * Chat devices over the run's Firestore emulator: each device is its own better-sqlite3 file,
 * its own Firestore instance signed in with `mockUserToken: { user_id }` (the chat rules are
 * enforced), a Firestore remote and a chat sync engine. `close()` stops and terminates all of
 * it; the SQLite file stays, so a device can be "restarted" on the same database.
 */
import type { Firestore } from 'firebase/firestore';
import { doc, serverTimestamp, setDoc, setLogLevel } from 'firebase/firestore';
import { createLocalStore } from 'localfire';
import type { LocalStore, RemotePort, SyncEngine, SyncEngineOptions, SyncLogEntry } from 'localfire';
import { createFirestoreRemote } from 'localfire/firestore';
import type { FirestoreRemote, FirestoreRemoteOptions } from 'localfire/firestore';
import { createNodeSqliteDriver } from 'localfire/node';
import { closeTestFirestore, connectTestFirestore, createTestProject } from '../../../../test-support/firestore.js';
import { chatCollections, createChatRepositories, createChatSync } from '../../src/index.js';
import type { ChatRepositories } from '../../src/index.js';
import { until as waitUntil } from '../../../../test-support/until.js';

// Denied listeners and writes are asserted where they matter; the SDK would log each one.
setLogLevel('silent');

export interface ChatDevice extends ChatRepositories {
  readonly userId: string;
  readonly filename: string;
  readonly store: LocalStore;
  readonly firestore: Firestore;
  readonly remote: FirestoreRemote;
  readonly engine: SyncEngine;
  /** Disables the SDK's network: the remote (and so the engine) is offline. */
  offline(): Promise<void>;
  online(): Promise<void>;
  /**
   * Log entries that mean the engine did something the server refused or could not read:
   * non-retryable errors (`permission-denied`, `invalid-data`, `unauthenticated`, ...) of a
   * write or a subscription, and quarantined documents. Collected from the start (not bounded
   * by the log's ring buffer).
   */
  refusals(): readonly SyncLogEntry[];
  /** Stops the engine, closes the store, the remote and the Firestore instance. Idempotent. */
  close(): Promise<void>;
}

export interface OpenDeviceOptions {
  readonly projectId: string;
  readonly userId: string;
  readonly filename: string;
  /** Wraps the remote the engine talks to (crash points, counting). */
  readonly wrapRemote?: (remote: FirestoreRemote) => RemotePort;
  /** Firestore remote options besides the defaults below (e.g. a small listener window). */
  readonly remoteOptions?: Partial<Omit<FirestoreRemoteOptions, 'firestore' | 'collections'>>;
  /** Wraps the store the engine talks to (crash points). Repositories use the real store. */
  readonly wrapStore?: (store: LocalStore) => LocalStore;
  /** Engine options (backoff, periodic worker...). */
  readonly engine?: Partial<Omit<SyncEngineOptions, 'store' | 'remote' | 'userId' | 'scopes'>>;
  /** Start the engine at once. Default true. */
  readonly start?: boolean;
  /** `host:port` of an emulator the test started itself (default: the run's). */
  readonly emulatorHost?: string;
}

let generation = 0;

/**
 * Opens (or reopens) a device. Ids are `<user>.<generation>.<n>`: deterministic within a run
 * and never reused by a reopened database. Times come from a strictly increasing clock, so
 * messages sent in a burst keep their order.
 */
export async function openDevice(options: OpenDeviceOptions): Promise<ChatDevice> {
  const { userId, filename } = options;
  const prefix = `${userId}.${++generation}`;
  let n = 0;
  const newId = (): string => `${prefix}.${String(++n).padStart(4, '0')}`;
  let last = 0;
  const clock = (): number => (last = Math.max(Date.now(), last + 1));
  const store = await createLocalStore({ driver: createNodeSqliteDriver({ filename }), collections: chatCollections, clock, newId });
  const firestore = connectTestFirestore({ projectId: options.projectId, userId, ...(options.emulatorHost === undefined ? {} : { hostAndPort: options.emulatorHost }) });
  const remote = createFirestoreRemote({ firestore, collections: [...chatCollections], ...options.remoteOptions });
  const engine = createChatSync({
    store: options.wrapStore ? options.wrapStore(store) : store,
    remote: options.wrapRemote ? options.wrapRemote(remote) : remote,
    userId,
    random: () => 0.5,
    ...options.engine,
  });
  const refusals: SyncLogEntry[] = [];
  const stopCollecting = engine.log.subscribe((entry) => {
    const error = 'error' in entry ? entry.error : null;
    // A refused push BATCH is bisected until the refused write is alone (that one is logged
    // `write-failed`): a batch refused as a whole and then accepted in parts refused no write.
    // (Rules judge a batch that both accepts an invitation and writes the preview as one edit.)
    const bisected = entry.type === 'sync-failed' && entry.direction === 'push';
    if (entry.type === 'quarantined' || (error !== null && !error.retryable && !bisected)) refusals.push(entry);
  });
  if (options.start ?? true) await engine.start();
  let closing: Promise<void> | null = null;
  const device: ChatDevice = {
    ...createChatRepositories({ store, clock, newId, userId }),
    userId,
    filename,
    store,
    firestore,
    remote,
    engine,
    offline: () => remote.setNetworkEnabled(false),
    online: () => remote.setNetworkEnabled(true),
    refusals: () => refusals,
    close() {
      closing ??= (async () => {
        await engine.stop();
        stopCollecting();
        await store.close();
        await remote.close();
        await closeTestFirestore(firestore);
        openDevices.delete(device);
      })();
      return closing;
    },
  };
  openDevices.add(device);
  return device;
}

const openDevices = new Set<ChatDevice>();

/** Each open device's status and latest log entries: the context a timed-out wait needs. */
export function describeDevices(lastEntries = 15): string {
  return [...openDevices]
    .map((d) => {
      const log = d.engine.log.entries().slice(-lastEntries).map((e) => `    ${JSON.stringify(e)}`);
      return [`  ${d.userId} (${d.filename}): ${JSON.stringify(d.engine.status.get())}`, ...log].join('\n');
    })
    .join('\n');
}

/** Polls `condition` until it holds; fails after `timeoutMs` (default 30 s, a stall's recovery) naming `what`. */
export const until = (condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> =>
  waitUntil(condition, what, { timeoutMs, describe: describeDevices });

/** Waits until the device's outbox is empty (nothing pending, nothing failed) and no work is in flight. */
export async function drained(device: ChatDevice, timeoutMs?: number): Promise<void> {
  await until(async () => {
    await device.engine.whenIdle();
    const stats = await device.store.sync.outboxStats();
    if (stats.failed > 0) {
      const failed = (await device.store.sync.listOutbox()).filter((e) => e.state === 'failed');
      throw new Error(`${device.userId}: ${stats.failed} write(s) failed: ${JSON.stringify(failed.map((e) => ({ path: e.path, error: e.lastError })))}`);
    }
    return stats.pending === 0;
  }, `${device.userId}'s outbox to drain`, timeoutMs);
}

/** A profile for `userId`, as each device creates its own. */
export const profile = (userId: string) => ({ id: userId, displayName: userId[0]!.toUpperCase() + userId.slice(1), isOnline: true });

/**
 * The emulator's first request of a run takes seconds (JVM warm-up, rules compilation): pay it
 * once in a `beforeAll`, on a throwaway project, so tests measure sync and not that.
 */
export async function warmUpEmulator(): Promise<void> {
  const project = await createTestProject({ label: 'warm-up' });
  try {
    const { id: _id, ...fields } = profile('warm-up');
    await setDoc(doc(project.connect('warm-up'), 'users/warm-up'), { ...fields, updatedAt: serverTimestamp(), deleted: false });
  } finally {
    await project.dispose();
  }
}
