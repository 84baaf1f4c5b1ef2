/*
 * Sync rows over the Firestore emulator (chat rules enforced, one mock-token client per user),
 * the chat domain wired through `createChatSync`; each device is its own SQLite file + its own
 * Firestore instance (memory cache) + engine.
 *
 * e2e-sync          A's `sendMessage` until B's `observeMessages` (latest 20) holds it. Baseline,
 *                   alternated: a bare SDK `setDoc` of the same message document by a bare
 *                   client until another bare client's `onSnapshot` sees it (own users and
 *                   conversation, so no engine listener sees the baseline's writes).
 * bulk-100          100 `sendMessage` on A until B's live query holds all 100 (fresh group each time).
 * initial-sync-10k  a fresh device pulls 10,000 messages in 20 conversations (seeded with batched
 *                   writes by a rules-bypassing client); peak RSS sampled during the sync.
 * restart-resume    a synced device is closed, 100 messages are added on the server, the device
 *                   reopens: the row counts the documents its subscriptions delivered (unit `docs`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import type { Firestore } from 'firebase/firestore';
import { collection, doc, documentId, onSnapshot, orderBy, query, serverTimestamp, where, setDoc, setLogLevel, Timestamp, writeBatch } from 'firebase/firestore';
import type { RemotePort } from 'localfire';
import { startFirestoreEmulator } from 'localfire/testing/emulator';
import type { FirestoreEmulator } from 'localfire/testing/emulator';
import { messages } from '@localfire/chat-model';
import type { Message } from '@localfire/chat-model';
import { measurePair, percentile, toRow, within } from './harness.js';
import type { BenchContext, BenchModule, BenchRow } from './harness.js';
import { arrivals, connect, disconnect, drained, openDevice, until } from './chat-devices.js';
import type { Device } from './chat-devices.js';

const ROWS = ['e2e-sync', 'bulk-100', 'initial-sync-10k', 'restart-resume'] as const;
const RULES_PATH = fileURLToPath(new URL('../packages/chat-model/firestore.rules', import.meta.url));
const E2E = { warmup: 20, iterations: 200 };
const BULK = { warmup: 1, iterations: 7, messages: 100 };
const INITIAL = { conversations: 20, perConversation: 500, iterations: 3 };
const RESUME = { iterations: 3, changes: 100 };
/** A sample that waits this long for a delivery fails the run (see `within`). */
const DELIVERY_TIMEOUT_MS = 30_000;

/** Stage instants of one e2e sample (performance.now()), recorded by probes around the remote ports. */
interface Stages {
  writeCalled?: number;
  writeAcked?: number;
  delivered?: number;
}

/** A's remote, probed: when the engine calls write() and when the ack returns. */
function probeWrites(remote: RemotePort, stages: () => Stages): RemotePort {
  const wrapped = Object.create(remote) as RemotePort;
  Object.defineProperty(wrapped, 'write', {
    value: async (...args: Parameters<RemotePort['write']>) => {
      stages().writeCalled ??= performance.now();
      const acks = await remote.write(...args);
      stages().writeAcked ??= performance.now();
      return acks;
    },
  });
  return wrapped;
}

/** B's remote, probed: when a messages subscription delivers a batch to the engine. */
function probeDeliveries(remote: RemotePort, stages: () => Stages): RemotePort {
  const wrapped = Object.create(remote) as RemotePort;
  Object.defineProperty(wrapped, 'subscribe', {
    value: ((scope, from, handlers) =>
      remote.subscribe(scope, from, {
        onChanges(changes, checkpoint) {
          if (scope.collection === 'messages') stages().delivered ??= performance.now();
          return handlers.onChanges(changes, checkpoint);
        },
        onError: (error) => handlers.onError(error),
      })) satisfies RemotePort['subscribe'],
  });
  return wrapped;
}


const profile = (id: string) => ({ id, displayName: id, isOnline: true });

const messageDoc = (conversationId: string, senderId: string, id: string, text: string, at: number) => ({
  conversationId, senderId, text, timestamp: Timestamp.fromMillis(at), readBy: [senderId], deliveredTo: [], localId: id, deleted: false,
});
/** A group (the bare SDK's conversations have ids of their own, and a direct one lives only at its pair's id). */
const conversationDoc = (participantIds: readonly string[], at: number) => ({
  type: 'group',
  participantIds: [...participantIds],
  createdBy: participantIds[0],
  groupName: 'bench',
  lastActivityAt: Timestamp.fromMillis(at),
  deleted: false,
});

async function e2eAndBulk(context: BenchContext, emulator: FirestoreEmulator, dir: string): Promise<BenchRow[]> {
  const projectId = emulator.projectId('sync-e2e');
  let stages: Stages = {};
  const alice = await openDevice({ emulator, projectId, userId: 'alice', filename: join(dir, 'e2e-alice.db'), wrapRemote: (r) => probeWrites(r, () => stages) });
  const bob = await openDevice({ emulator, projectId, userId: 'bob', filename: join(dir, 'e2e-bob.db'), wrapRemote: (r) => probeDeliveries(r, () => stages) });
  const admin = connect(emulator, projectId, 'owner');
  const sdkA = connect(emulator, projectId, 'sdk-a');
  const sdkB = connect(emulator, projectId, 'sdk-b');
  const rows: BenchRow[] = [];
  try {
    await alice.users.create(profile('alice'));
    await bob.users.create(profile('bob'));
    const direct = await alice.conversations.createDirectConversation('alice', 'bob');
    await drained(alice);
    await until(async () => (await bob.conversations.read(direct.id)) !== undefined, 'bob to pull the conversation');
    await bob.engine.whenIdle();

    if (context.selected('e2e-sync')) {
      await setDoc(doc(admin, 'conversations/sdk'), { ...conversationDoc(['sdk-a', 'sdk-b'], Date.now()), updatedAt: serverTimestamp() });
      const viaEngine = arrivals();
      const stopB = bob.messages.observeMessages(direct.id, { limit: 20 }).subscribe((list: Message[]) => viaEngine.check(list.map((m) => m.id)));
      const viaSdk = arrivals();
      const stopSdk = onSnapshot(collection(sdkB, 'conversations/sdk/messages'), (snap) => viaSdk.check(snap.docChanges().map((c) => c.doc.id)));
      // The same chat on the bare SDK: the same 2-write batch, and the listeners a chat app keeps
      // (each side on the conversation's messages and on its conversation list).
      await setDoc(doc(admin, 'conversations/sdk-shape'), { ...conversationDoc(['sdk-a', 'sdk-b'], Date.now()), updatedAt: serverTimestamp() });
      const viaSameShape = arrivals();
      const shapeListeners = [
        onSnapshot(collection(sdkB, 'conversations/sdk-shape/messages'), (snap) => viaSameShape.check(snap.docChanges().map((c) => c.doc.id))),
        onSnapshot(collection(sdkA, 'conversations/sdk-shape/messages'), () => undefined),
        onSnapshot(query(collection(sdkA, 'conversations'), where('participantIds', 'array-contains', 'sdk-a')), () => undefined),
        onSnapshot(query(collection(sdkB, 'conversations'), where('participantIds', 'array-contains', 'sdk-b')), () => undefined),
      ];
      let i = 0;
      const aliceLog: { t: number; entry: unknown }[] = [];
      const stopAliceLog = alice.engine.log.subscribe((entry) => aliceLog.push({ t: performance.now(), entry }));
      const breakdown: { toWrite: number[]; writeToAck: number[]; writeToDelivery: number[]; deliveryToLiveQuery: number[] } = { toWrite: [], writeToAck: [], writeToDelivery: [], deliveryToLiveQuery: [] };
      const triple = await measureAlternated([
        async () => {
          await alice.engine.whenIdle();
          await bob.engine.whenIdle();
          stages = {};
          const start = performance.now();
          const sending = alice.messages.sendMessage({ conversationId: direct.id, text: `e2e ${++i}`, senderId: 'alice' });
          const arrived = await within(viaEngine.next((await sending).id), DELIVERY_TIMEOUT_MS, "B's live query holding A's message");
          const { writeCalled, writeAcked, delivered } = stages;
          if (writeCalled !== undefined && writeAcked !== undefined && delivered !== undefined) {
            breakdown.toWrite.push(writeCalled - start);
            breakdown.writeToAck.push(writeAcked - writeCalled);
            breakdown.writeToDelivery.push(delivered - writeCalled);
            breakdown.deliveryToLiveQuery.push(arrived - delivered);
          }
          if (arrived - start > 1000) {
            const at = (t: number | undefined) => (t === undefined ? 'never' : `${(t - start).toFixed(1)} ms`);
            context.log(`slow e2e sample ${(arrived - start).toFixed(0)} ms: write() called at ${at(writeCalled)}, acked at ${at(writeAcked)}, delivered to B at ${at(delivered)}`);
            for (const e of aliceLog.filter((x) => x.t >= start - 50)) context.log(`  alice ${at(e.t)}: ${JSON.stringify(e.entry)}`);
          }
          return arrived - start;
        },
        async () => {
          const id = `sdk-${++i}`;
          const arrived = viaSdk.next(id);
          const start = performance.now();
          await setDoc(doc(sdkA, `conversations/sdk/messages/${id}`), { ...messageDoc('sdk', 'sdk-a', id, `e2e ${i}`, Date.now()), updatedAt: serverTimestamp() }, { merge: true });
          return (await within(arrived, DELIVERY_TIMEOUT_MS, `the bare onSnapshot seeing ${id}`)) - start;
        },
        async () => {
          const id = `shape-${++i}`;
          const arrived = viaSameShape.next(id);
          const start = performance.now();
          const batch = writeBatch(sdkA);
          batch.set(doc(sdkA, `conversations/sdk-shape/messages/${id}`), { ...messageDoc('sdk-shape', 'sdk-a', id, `e2e ${i}`, Date.now()), updatedAt: serverTimestamp() }, { merge: true });
          batch.set(doc(sdkA, 'conversations/sdk-shape'), { lastMessage: { text: `e2e ${i}`, senderId: 'sdk-a', sentAt: Date.now() }, lastActivityAt: Timestamp.now(), updatedAt: serverTimestamp(), deleted: false }, { merge: true });
          await batch.commit();
          return (await within(arrived, DELIVERY_TIMEOUT_MS, `the same-shape onSnapshot seeing ${id}`)) - start;
        },
      ], E2E);
      const pair = { subject: triple[0]!, baseline: triple[1]!, sameShape: triple[2]! };
      stopB();
      stopSdk();
      stopAliceLog();
      for (const unsubscribe of shapeListeners) unsubscribe();
      rows.push(toRow({
        name: 'e2e-sync', samples: pair.subject,
        baseline: { name: 'bare SDK setDoc -> onSnapshot (same message doc, chat rules, own clients)', samples: pair.baseline },
        note: `${E2E.iterations} alternated samples after ${E2E.warmup} warm-up; from calling sendMessage (message + conversation preview, one local transaction, pushed as one 2-write batch) to B's observeMessages(limit 20) emission holding it. Stage p50s (subject): ${stageNote(breakdown)}. Same chat on the bare SDK (same 2-write batch, sender and receiver listening to the messages and their conversation lists like the engine), alternated too: p50 ${p50(pair.sameShape)}, p99 ${percentile(pair.sameShape, 99).toFixed(1)} ms`,
      }));
    }

    if (context.selected('bulk-100')) {
      let round = 0;
      const pair = await measurePair(
        async () => {
          const expectedSubscriptions = bob.engine.status.get().subscriptions + 1;
          const group = await alice.conversations.createGroupConversation('alice', ['bob'], 'bulk');
          await drained(alice);
          await until(async () => (await bob.conversations.read(group.id)) !== undefined, 'bob to pull the invitation');
          await bob.conversations.acceptInvitation(group.id, 'bob');
          await drained(bob);
          await until(() => bob.engine.status.get().subscriptions >= expectedSubscriptions, "bob's subscription to the group's messages");
          await bob.engine.whenIdle();
          let done = (): void => undefined;
          const all = new Promise<number>((resolve) => {
            done = () => resolve(performance.now());
          });
          const stop = bob.messages.observeMessages(group.id).subscribe((list) => {
            if (list.length >= BULK.messages) done();
          });
          const start = performance.now();
          for (let m = 0; m < BULK.messages; m++) await alice.messages.sendMessage({ conversationId: group.id, text: `bulk ${m}`, senderId: 'alice' });
          const end = await all;
          stop();
          await drained(alice);
          return end - start;
        },
        async () => {
          const conversationId = `sdk-bulk-${++round}`;
          await setDoc(doc(admin, `conversations/${conversationId}`), { ...conversationDoc(['sdk-a', 'sdk-b'], Date.now()), updatedAt: serverTimestamp() });
          let seen = 0;
          let done = (): void => undefined;
          const all = new Promise<number>((resolve) => {
            done = () => resolve(performance.now());
          });
          let ready = (): void => undefined;
          const listening = new Promise<void>((resolve) => {
            ready = resolve;
          });
          const stop = onSnapshot(collection(sdkB, `conversations/${conversationId}/messages`), (snap) => {
            ready();
            seen += snap.docChanges().filter((c) => c.type === 'added').length;
            if (seen >= BULK.messages) done();
          });
          await listening;
          const start = performance.now();
          const writes: Promise<void>[] = [];
          for (let m = 0; m < BULK.messages; m++) {
            const id = `${conversationId}-${m}`;
            writes.push(setDoc(doc(sdkA, `conversations/${conversationId}/messages/${id}`), { ...messageDoc(conversationId, 'sdk-a', id, `bulk ${m}`, Date.now()), updatedAt: serverTimestamp() }, { merge: true }));
          }
          const end = await all;
          await Promise.all(writes);
          stop();
          return end - start;
        },
        BULK,
      );
      rows.push(toRow({
        name: 'bulk-100', samples: pair.subject,
        baseline: { name: 'bare SDK: 100 setDoc of the same message docs fired back to back -> onSnapshot holds 100', samples: pair.baseline },
        note: `${BULK.iterations} alternated samples after ${BULK.warmup} warm-up; 100 sendMessage calls on A (a fresh group each time; each also updates the conversation preview) until B's observeMessages holds all 100`,
      }));
    }
    return rows;
  } finally {
    await alice.close();
    await bob.close();
    await Promise.all([disconnect(admin), disconnect(sdkA), disconnect(sdkB)]);
    await emulator.clear(projectId);
  }
}

/**
 * Like the harness's measurePair for any number of timed functions (each returns its own
 * duration in ms): every iteration runs all of them, rotating which goes first.
 */
async function measureAlternated(fns: readonly (() => Promise<number>)[], options: { readonly warmup: number; readonly iterations: number }): Promise<number[][]> {
  for (let i = 0; i < options.warmup; i++) for (const fn of fns) await fn();
  const samples = fns.map((): number[] => []);
  for (let i = 0; i < options.iterations; i++) {
    for (let k = 0; k < fns.length; k++) {
      const index = (i + k) % fns.length;
      samples[index]!.push(await fns[index]!());
    }
  }
  return samples;
}

const p50 = (samples: readonly number[]): string => (samples.length === 0 ? 'n/a' : `${percentile(samples, 50).toFixed(1)} ms`);

function stageNote(b: { toWrite: number[]; writeToAck: number[]; writeToDelivery: number[]; deliveryToLiveQuery: number[] }): string {
  return `sendMessage -> engine calls write() ${p50(b.toWrite)}; write() -> ack ${p50(b.writeToAck)}; write() -> B's messages subscription delivers ${p50(b.writeToDelivery)}; delivery -> B's live query emits ${p50(b.deliveryToLiveQuery)}`;
}

/** Seeds 20 conversations of dave and erin with 500 messages each, in batches of 500. */
async function seedLarge(admin: Firestore): Promise<string[]> {
  const at = Date.UTC(2024, 0, 1);
  const conversationIds = Array.from({ length: INITIAL.conversations }, (_, c) => `large-${String(c).padStart(2, '0')}`);
  const batch0 = writeBatch(admin);
  for (const id of ['dave', 'erin']) batch0.set(doc(admin, `users/${id}`), { ...profile(id), updatedAt: serverTimestamp(), deleted: false });
  for (const id of conversationIds) batch0.set(doc(admin, `conversations/${id}`), { ...conversationDoc(['dave', 'erin'], at), updatedAt: serverTimestamp() });
  await batch0.commit();
  for (const conversationId of conversationIds) {
    const batch = writeBatch(admin);
    for (let m = 0; m < INITIAL.perConversation; m++) {
      const id = `${conversationId}-m${String(m).padStart(4, '0')}`;
      batch.set(doc(admin, `conversations/${conversationId}/messages/${id}`), { ...messageDoc(conversationId, m % 2 === 0 ? 'dave' : 'erin', id, `message ${m} of ${conversationId}`, at + m), updatedAt: serverTimestamp() });
    }
    await batch.commit();
  }
  return conversationIds;
}

/** Counts the documents the engine's subscriptions deliver. */
function countingRemote(remote: RemotePort, counter: { docs: number }): RemotePort {
  const wrapped = Object.create(remote) as RemotePort;
  Object.defineProperty(wrapped, 'subscribe', {
    value: ((scope, from, handlers) =>
      remote.subscribe(scope, from, {
        onChanges(changes, checkpoint) {
          counter.docs += changes.length;
          return handlers.onChanges(changes, checkpoint);
        },
        onError: (error) => handlers.onError(error),
      })) satisfies RemotePort['subscribe'],
  });
  return wrapped;
}

async function initialAndResume(context: BenchContext, emulator: FirestoreEmulator, dir: string): Promise<BenchRow[]> {
  const projectId = emulator.projectId('sync-large');
  const admin = connect(emulator, projectId, 'owner');
  const rows: BenchRow[] = [];
  const total = INITIAL.conversations * INITIAL.perConversation;
  try {
    const seedStart = performance.now();
    const conversationIds = await seedLarge(admin);
    context.log(`seeded ${total} messages in ${conversationIds.length} conversations in ${(performance.now() - seedStart).toFixed(0)} ms`);
    const countMessages = (d: Device) => d.store.repo(messages).count();
    let lastFile = '';
    let expected = total;

    const initialSamples: number[] = [];
    const bareSamples: number[] = [];
    const rssGrowthMb: number[] = [];
    let peakRss = 0;
    const subject = async (i: number): Promise<void> => {
      lastFile = join(dir, `large-erin-${i}.db`);
      const rssBefore = process.memoryUsage().rss;
      let peak = rssBefore;
      const sampler = setInterval(() => {
        peak = Math.max(peak, process.memoryUsage().rss);
      }, 20);
      const start = performance.now();
      const erin = await openDevice({ emulator, projectId, userId: 'erin', filename: lastFile });
      await until(async () => (await countMessages(erin)) === expected, 'the fresh device to hold every message', 120_000, 20);
      initialSamples.push(performance.now() - start);
      clearInterval(sampler);
      peakRss = Math.max(peakRss, peak);
      rssGrowthMb.push(Math.round((peak - rssBefore) / 2 ** 20));
      context.log(`initial sync ${i + 1}: ${initialSamples.at(-1)!.toFixed(0)} ms, RSS ${(rssBefore / 2 ** 20).toFixed(0)} -> peak ${(peak / 2 ** 20).toFixed(0)} MB`);
      await erin.engine.whenIdle();
      await erin.close();
    };
    /** The SDK alone: a fresh client with the same 20 ordered listeners until it has seen every message. */
    const baseline = async (i: number): Promise<void> => {
      const firestore = connect(emulator, projectId, 'erin');
      const start = performance.now();
      let seen = 0;
      const unsubscribes: (() => void)[] = [];
      await new Promise<void>((resolve) => {
        for (const id of conversationIds) {
          unsubscribes.push(onSnapshot(query(collection(firestore, `conversations/${id}/messages`), orderBy('updatedAt'), orderBy(documentId())), (snap) => {
            seen += snap.docChanges().length;
            if (seen >= total) resolve();
          }));
        }
      });
      bareSamples.push(performance.now() - start);
      context.log(`bare SDK initial load ${i + 1}: ${bareSamples.at(-1)!.toFixed(0)} ms`);
      for (const unsubscribe of unsubscribes) unsubscribe();
      await disconnect(firestore);
    };
    const iterations = context.selected('initial-sync-10k') ? INITIAL.iterations : 1;
    for (let i = 0; i < iterations; i++) {
      if (!context.selected('initial-sync-10k')) await subject(i);
      else if (i % 2 === 0) {
        await subject(i);
        await baseline(i);
      } else {
        await baseline(i);
        await subject(i);
      }
    }
    if (context.selected('initial-sync-10k')) {
      rows.push(toRow({
        name: 'initial-sync-10k', samples: initialSamples, peakRssMb: Number((peakRss / 2 ** 20).toFixed(1)),
        baseline: { name: 'bare SDK: a fresh client, the same 20 ordered onSnapshot listeners until 10,000 docs seen', samples: bareSamples },
        note: `${INITIAL.iterations} fresh devices (new SQLite file + new Firestore instance), alternated with the baseline, from engine start to ${total} messages in the local store, ${INITIAL.conversations} conversations; peakRssMb: the bench process's RSS sampled every 20 ms during the syncs (highest seen; the process also holds the other rows' devices and the baseline clients); RSS growth from start to peak of each sync: ${rssGrowthMb.join(', ')} MB`,
      }));
    }

    if (context.selected('restart-resume')) {
      const delivered: number[] = [];
      let next = 0;
      for (let i = 0; i < RESUME.iterations; i++) {
        const batch = writeBatch(admin);
        for (let m = 0; m < RESUME.changes; m++) {
          const conversationId = conversationIds[m % conversationIds.length]!;
          const id = `resume-${++next}`;
          batch.set(doc(admin, `conversations/${conversationId}/messages/${id}`), { ...messageDoc(conversationId, 'dave', id, `while away ${next}`, Date.now()), updatedAt: serverTimestamp() });
        }
        await batch.commit();
        expected += RESUME.changes;
        const counter = { docs: 0 };
        const erin = await openDevice({ emulator, projectId, userId: 'erin', filename: lastFile, wrapRemote: (r) => countingRemote(r, counter) });
        await until(async () => (await countMessages(erin)) === expected, 'the restarted device to catch up', 60_000, 20);
        await erin.engine.whenIdle();
        await new Promise((r) => setTimeout(r, 500));
        await erin.engine.whenIdle();
        delivered.push(counter.docs);
        context.log(`restart ${i + 1}: ${counter.docs} documents delivered for ${RESUME.changes} remote changes`);
        await erin.close();
      }
      rows.push(toRow({
        name: 'restart-resume', unit: 'docs', samples: delivered,
        note: `${RESUME.iterations} restarts of a synced device (10k messages) after ${RESUME.changes} new server messages each; documents delivered by its subscriptions (counting RemotePort wrapper) until caught up and idle`,
      }));
    }
    return rows;
  } finally {
    await disconnect(admin);
    await emulator.clear(projectId);
  }
}

async function run(context: BenchContext): Promise<BenchRow[]> {
  setLogLevel('silent');
  const emulator = await startFirestoreEmulator({ rulesPath: RULES_PATH });
  const dir = mkdtempSync(join(tmpdir(), 'localfire-bench-sync-'));
  try {
    // The emulator's first request is slow (JVM warm-up, rules compilation): pay it untimed.
    const warm = connect(emulator, emulator.projectId('warm-up'), 'warm-up');
    const { id: _id, ...warmProfile } = profile('warm-up');
    await setDoc(doc(warm, 'users/warm-up'), { ...warmProfile, updatedAt: serverTimestamp(), deleted: false });
    await disconnect(warm);
    const rows: BenchRow[] = [];
    if (context.selected('e2e-sync') || context.selected('bulk-100')) rows.push(...(await e2eAndBulk(context, emulator, dir)));
    if (context.selected('initial-sync-10k') || context.selected('restart-resume')) rows.push(...(await initialAndResume(context, emulator, dir)));
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await emulator.stop();
  }
}

export const syncBench: BenchModule = { name: 'sync', rows: ROWS, run };
