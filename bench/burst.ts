/*
 * Server code writing in bulk beside a listening device, at the shipped defaults.
 *
 * burst-2000             a rules-bypassing client (server code: an import, a backfill, a bot)
 *                        writes 2,000 messages into one conversation as 4 batches of 500
 *                        committed CONCURRENTLY, while Bob's device listens. From the last commit
 *                        to Bob's observeMessages holding all 2,000. `missed` sums, over all
 *                        rounds, the documents that never arrived (waited for up to 60 s).
 * burst-sequential-2000  the baseline, alternated round by round: the same 4 batches committed
 *                        one after another.
 *
 * Concurrent batches are stamped (serverTimestamp) when the server starts each and committed
 * later, in any order: the late commits that a listener opened at the last delivered position
 * never hears (see the Firestore adapter's README, "Late commits").
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { doc, serverTimestamp, setDoc, setLogLevel, Timestamp, writeBatch } from 'firebase/firestore';
import type { Firestore } from 'firebase/firestore';
import type { RemotePort } from 'localfire';
import { startFirestoreEmulator } from 'localfire/testing/emulator';
import type { FirestoreEmulator } from 'localfire/testing/emulator';
import { connect, disconnect, openDevice, until } from './chat-devices.js';
import type { Device } from './chat-devices.js';
import { percentile, toRow } from './harness.js';
import type { BenchContext, BenchModule, BenchRow } from './harness.js';

const ROWS = ['burst-2000', 'burst-sequential-2000'] as const;
const RULES_PATH = fileURLToPath(new URL('../packages/chat-model/firestore.rules', import.meta.url));
const ROUNDS = Number(process.env['BURST_ROUNDS'] ?? 10);
const BATCHES = 4;
const PER_BATCH = 500;
const TOTAL = BATCHES * PER_BATCH;
const WAIT_MS = 60_000;

interface Round {
  readonly ms: number;
  readonly delivered: number;
  /** Where the time after the last commit went (Bob's deliveries). */
  readonly stages: string;
}

let conversations = 0;

/** Messages batches handed to Bob's engine: when (performance.now()), how many, when applied. */
const deliveries: { at: number; count: number; applied: number }[] = [];

function probeDeliveries(remote: RemotePort): RemotePort {
  const wrapped = Object.create(remote) as RemotePort;
  Object.defineProperty(wrapped, 'subscribe', {
    value: ((scope, from, handlers) =>
      remote.subscribe(scope, from, {
        ...handlers,
        async onChanges(changes, checkpoint) {
          if (scope.collection !== 'messages') return handlers.onChanges(changes, checkpoint);
          const entry = { at: performance.now(), count: changes.length, applied: 0 };
          deliveries.push(entry);
          await handlers.onChanges(changes, checkpoint);
          entry.applied = performance.now();
        },
      })) satisfies RemotePort['subscribe'],
  });
  return wrapped;
}

async function runRound(admin: Firestore, bob: Device, concurrent: boolean): Promise<Round> {
  const conversationId = `burst-${++conversations}`;
  const at = Date.now();
  await setDoc(doc(admin, `conversations/${conversationId}`), {
    type: 'group', participantIds: ['server', 'bob'],
    groupName: conversationId, createdBy: 'server', lastActivityAt: Timestamp.fromMillis(at), deleted: false, updatedAt: serverTimestamp(),
  });
  await until(async () => (await bob.conversations.read(conversationId)) !== undefined, `bob to pull ${conversationId}`);
  const messagesScope = JSON.stringify(['conversationId', conversationId]);
  await until(() => bob.engine.log.entries().some((e) => e.type === 'subscription-opened' && e.scope.includes(messagesScope)), `bob's subscription to ${conversationId}'s messages`);
  await bob.engine.whenIdle();
  let count = 0;
  let holdsAll = (): void => undefined;
  const all = new Promise<number>((resolve) => {
    holdsAll = () => resolve(performance.now());
  });
  const stop = bob.messages.observeMessages(conversationId).subscribe((list) => {
    count = list.length;
    if (count >= TOTAL) holdsAll();
  });
  const batches = Array.from({ length: BATCHES }, (_, b) => {
    const batch = writeBatch(admin);
    for (let i = 0; i < PER_BATCH; i++) {
      const id = `${conversationId}-${b}-${i}`;
      batch.set(doc(admin, `conversations/${conversationId}/messages/${id}`), {
        conversationId, senderId: 'server', text: `imported ${b}/${i}`, timestamp: Timestamp.fromMillis(at + b * PER_BATCH + i),
        readBy: ['server'], deliveredTo: [], localId: id, deleted: false, updatedAt: serverTimestamp(),
      });
    }
    return batch;
  });
  deliveries.length = 0;
  if (concurrent) await Promise.all(batches.map((b) => b.commit()));
  else for (const b of batches) await b.commit();
  const lastCommit = performance.now();
  const arrived = await Promise.race([all, new Promise<null>((resolve) => setTimeout(() => resolve(null), WAIT_MS))]);
  stop();
  const after = deliveries.filter((d) => d.at >= lastCommit);
  const stages = after.length === 0 ? 'none after the last commit' : `${after.length} batches (${after.map((d) => d.count).join('+')}) after it: first at +${(after[0]!.at - lastCommit).toFixed(0)} ms, last applied at +${(after.at(-1)!.applied - lastCommit).toFixed(0)} ms`;
  return { ms: arrived === null ? WAIT_MS : arrived - lastCommit, delivered: count, stages };
}

async function run(context: BenchContext): Promise<BenchRow[]> {
  setLogLevel('silent');
  const dir = mkdtempSync(join(tmpdir(), 'lf-bench-burst-'));
  let emulator: FirestoreEmulator | null = null;
  const rows: BenchRow[] = [];
  try {
    emulator = await startFirestoreEmulator({ rulesPath: RULES_PATH });
    const projectId = emulator.projectId('burst');
    const admin = connect(emulator, projectId, 'owner');
    const bob = await openDevice({ emulator, projectId, userId: 'bob', filename: join(dir, 'bob.db'), wrapRemote: probeDeliveries });
    try {
      await bob.users.create({ id: 'bob', displayName: 'bob', isOnline: true });
      const concurrent: Round[] = [];
      const sequential: Round[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        const order = r % 2 === 0 ? [true, false] : [false, true];
        for (const isConcurrent of order) {
          const round = await runRound(admin, bob, isConcurrent);
          (isConcurrent ? concurrent : sequential).push(round);
          context.log(`round ${r} ${isConcurrent ? 'concurrent' : 'sequential'}: ${round.delivered}/${TOTAL} delivered, ${round.ms.toFixed(0)} ms after the last commit; ${round.stages}`);
        }
      }
      const missed = (rounds: readonly Round[]) => rounds.reduce((sum, r) => sum + (TOTAL - r.delivered), 0);
      const perRound = (rounds: readonly Round[]) => rounds.map((r) => `${r.delivered}/${r.ms.toFixed(0)} ms`).join(', ');
      if (context.selected('burst-2000')) {
        rows.push({
          ...toRow({
            name: 'burst-2000',
            samples: concurrent.map((r) => r.ms),
            baseline: { name: 'the same 4 batches of 500 committed one after another', samples: sequential.map((r) => r.ms) },
            note: `${ROUNDS} rounds, alternated with the baseline; server code writes 2,000 messages into a new conversation as ${BATCHES} batches of ${PER_BATCH} committed concurrently; from the last commit to Bob's observeMessages holding all 2,000 (a round that never completes counts ${WAIT_MS} ms). Per round (delivered/time): ${perRound(concurrent)}`,
          }),
          missed: missed(concurrent),
        });
      }
      if (context.selected('burst-sequential-2000')) {
        rows.push({
          ...toRow({
            name: 'burst-sequential-2000',
            samples: sequential.map((r) => r.ms),
            note: `the baseline of burst-2000: the same batches committed one after another. Per round (delivered/time): ${perRound(sequential)}; p50 ${percentile(sequential.map((r) => r.ms), 50).toFixed(0)} ms`,
          }),
          missed: missed(sequential),
        });
      }
    } finally {
      await bob.close();
      await disconnect(admin);
    }
  } finally {
    await emulator?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

export const burstBench: BenchModule = { name: 'burst', rows: ROWS, run };
