/*
 * Stalls at the shipped defaults, over the Firestore emulator (chat devices).
 *
 * stall-recovery     B's SDK network is dropped behind the adapter's back (`disableNetwork` on
 *                    the client B's remote uses, so neither the remote nor the engine was told)
 *                    while A keeps sending, one message every 250 ms: from the stall to B's live
 *                    query holding a message A sent after it. B's watchdog has to notice and
 *                    restart the SDK's streams.
 * push-during-stall  A's own subscriptions are held behind (a wrapper around its remote swallows
 *                    every delivery and reports each subscription 'behind', as a stalled listener
 *                    does) while A sends: from sendMessage until A's outbox holds nothing for
 *                    it (acknowledged). Baseline, alternated: the bare adapter's write() of the
 *                    same two documents (message + conversation preview), as in remote-write-ack.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { disableNetwork, setLogLevel } from 'firebase/firestore';
import type { RemotePort, RemoteWrite, SubscriptionHandlers } from 'localfire';
import { createFirestoreRemote } from 'localfire/firestore';
import { startFirestoreEmulator } from 'localfire/testing/emulator';
import type { FirestoreEmulator } from 'localfire/testing/emulator';
import { chatCollections } from '@localfire/chat-model';
import type { Message } from '@localfire/chat-model';
import { arrivals, connect, disconnect, drained, openDevice, until } from './chat-devices.js';
import type { Device } from './chat-devices.js';
import { measurePair, toRow, within } from './harness.js';
import type { BenchContext, BenchModule, BenchRow } from './harness.js';

const ROWS = ['stall-recovery', 'push-during-stall'] as const;
const RULES_PATH = fileURLToPath(new URL('../packages/chat-model/firestore.rules', import.meta.url));
const RECOVERIES = Number(process.env['STALL_ROUNDS'] ?? 8);
const PUSHES = { warmup: 5, iterations: 60 };
const SEND_EVERY_MS = 250;
const WAIT_MS = 120_000;

/** A remote whose subscriptions hear nothing and say 'behind' once `stall(true)` (writes pass through). */
function stallable(remote: RemotePort): { remote: RemotePort; stall(): void } {
  let stalled = false;
  const subscribed = new Set<SubscriptionHandlers>();
  const wrapped = Object.create(remote) as RemotePort;
  Object.defineProperty(wrapped, 'subscribe', {
    value: ((scope, from, handlers) => {
      subscribed.add(handlers);
      return remote.subscribe(scope, from, {
        onChanges: (changes, checkpoint) => (stalled ? new Promise<void>(() => undefined) : handlers.onChanges(changes, checkpoint)),
        onError: (error) => handlers.onError(error),
        onSyncState: (state) => {
          if (!stalled) handlers.onSyncState?.(state);
        },
      });
    }) satisfies RemotePort['subscribe'],
  });
  return {
    remote: wrapped,
    stall() {
      stalled = true;
      for (const handlers of subscribed) handlers.onSyncState?.('behind');
    },
  };
}

async function pair(emulator: FirestoreEmulator, dir: string, label: string, wrapAlice?: (r: RemotePort) => RemotePort): Promise<{ alice: Device; bob: Device; conversationId: string; projectId: string }> {
  const projectId = emulator.projectId(label);
  const alice = await openDevice({ emulator, projectId, userId: 'alice', filename: join(dir, `${label}-alice.db`), ...(wrapAlice ? { wrapRemote: wrapAlice } : {}) });
  const bob = await openDevice({ emulator, projectId, userId: 'bob', filename: join(dir, `${label}-bob.db`) });
  await alice.users.create({ id: 'alice', displayName: 'alice', isOnline: true });
  await bob.users.create({ id: 'bob', displayName: 'bob', isOnline: true });
  const { id: conversationId } = await alice.conversations.createDirectConversation('alice', 'bob');
  await drained(alice);
  await until(async () => (await bob.conversations.read(conversationId)) !== undefined, 'bob to pull the conversation');
  return { alice, bob, conversationId, projectId };
}

async function stallRecovery(context: BenchContext, emulator: FirestoreEmulator, dir: string): Promise<BenchRow> {
  const samples: number[] = [];
  for (let round = 0; round < RECOVERIES; round++) {
    const { alice, bob, conversationId } = await pair(emulator, dir, `recovery-${round}`);
    const seen = arrivals();
    const stop = bob.messages.observeMessages(conversationId, { limit: 20 }).subscribe((list: Message[]) => seen.check(list.map((m) => m.id)));
    try {
      const warm = await alice.messages.sendMessage({ conversationId, text: 'before', senderId: 'alice' });
      await within(seen.next(warm.id), WAIT_MS, 'bob holding the message before the stall');
      const stalledAt = performance.now();
      await disableNetwork(bob.firestore);
      let sending = true;
      let first: Promise<number> | null = null;
      const sender = (async () => {
        for (let i = 0; sending; i++) {
          const sent = await alice.messages.sendMessage({ conversationId, text: `during ${i}`, senderId: 'alice' });
          first ??= seen.next(sent.id);
          await new Promise((r) => setTimeout(r, SEND_EVERY_MS));
        }
      })();
      let arrived: number;
      try {
        await until(() => first !== null, 'the first message after the stall');
        arrived = await within(first!, WAIT_MS, "bob holding A's first message after the stall");
      } catch (e) {
        context.log(`stall-recovery round ${round} failed; bob's log:\n${bob.engine.log.entries().slice(-40).map((x) => `  ${JSON.stringify(x)}`).join('\n')}`);
        throw e;
      } finally {
        sending = false;
        await sender.catch(() => undefined);
      }
      samples.push(arrived - stalledAt);
      const stalls = bob.engine.log.entries().filter((e) => e.type === 'stalled').map((e) => ('action' in e ? String(e.action) : '?'));
      context.log(`stall-recovery round ${round}: ${(arrived - stalledAt).toFixed(0)} ms (watchdog: ${stalls.join(', ') || 'nothing'})`);
    } finally {
      stop();
      await alice.close();
      await bob.close();
    }
  }
  return toRow({
    name: 'stall-recovery',
    samples,
    note: `${RECOVERIES} rounds, shipped defaults (stall timeout 10 s, 2 s grace for a listener that fell back to cache); B's SDK network dropped behind the adapter's back while A sends every ${SEND_EVERY_MS} ms; from the stall to B's observeMessages holding the first message A sent after it. p50 target: stall timeout + 5 s = 15 s`,
  });
}

/** Another copy of a batch the engine pushed: the message under a new id (the preview update as it was). */
function replay(batch: readonly RemoteWrite[], suffix: string): RemoteWrite[] {
  return batch.map((w) => {
    if (w.collection !== 'messages') return { ...w, mutationId: `${w.mutationId}-${suffix}` };
    const id = `${w.id}-${suffix}`;
    return { ...w, mutationId: `${w.mutationId}-${suffix}`, id, path: w.path.replace(/[^/]+$/, id), fields: { ...w.fields, localId: { op: 'set', value: id } } };
  });
}

async function pushDuringStall(emulator: FirestoreEmulator, dir: string): Promise<BenchRow> {
  let control: ReturnType<typeof stallable> | null = null;
  const pushed: RemoteWrite[][] = [];
  const { alice, bob, conversationId, projectId } = await pair(emulator, dir, 'push-stall', (r) => {
    control = stallable(r);
    const probed = Object.create(control.remote) as RemotePort;
    Object.defineProperty(probed, 'write', {
      value: (writes: readonly RemoteWrite[], options?: { readonly signal?: AbortSignal }) => {
        pushed.push([...writes]);
        return control!.remote.write(writes, options);
      },
    });
    return probed;
  });
  // The same user on a bare adapter: the rules judge its writes exactly as they judge A's.
  const bareFirestore = connect(emulator, projectId, 'alice');
  const bare = createFirestoreRemote({ firestore: bareFirestore, collections: [...chatCollections] });
  try {
    control!.stall();
    let i = 0;
    const result = await measurePair(
      async () => {
        const acked = new Promise<number>((resolve) => {
          const stop = alice.engine.log.subscribe((entry) => {
            if (entry.type === 'sync-succeeded' && entry.direction === 'push') {
              stop();
              resolve(performance.now());
            }
          });
        });
        const start = performance.now();
        await alice.messages.sendMessage({ conversationId, text: `stalled ${++i}`, senderId: 'alice' });
        return (await within(acked, WAIT_MS, "A's push acknowledged")) - start;
      },
      async () => {
        const batch = replay(pushed.at(-1)!, `bare${++i}`);
        const start = performance.now();
        await bare.write(batch);
        return performance.now() - start;
      },
      PUSHES,
    );
    return toRow({
      name: 'push-during-stall',
      samples: result.subject,
      baseline: { name: "the bare adapter's write() of the same batch as the same user (remote-write-ack's measure), alternated", samples: result.baseline },
      note: `${PUSHES.iterations} alternated samples after ${PUSHES.warmup} warm-up; A's subscriptions held behind (no delivery, 'behind') for the whole row; subject: from sendMessage to A's push acknowledged (local transaction, push, ack transaction); baseline: write() of a copy of the batch A last pushed (message under a new id + preview), rules enforced. A online at the end: ${String(alice.engine.status.get().online)}`,
    });
  } finally {
    await alice.close();
    await bob.close();
    await bare.close();
    await disconnect(bareFirestore);
  }
}

async function run(context: BenchContext): Promise<BenchRow[]> {
  setLogLevel('silent');
  const dir = mkdtempSync(join(tmpdir(), 'lf-bench-stall-'));
  let emulator: FirestoreEmulator | null = null;
  const rows: BenchRow[] = [];
  try {
    emulator = await startFirestoreEmulator({ rulesPath: RULES_PATH });
    if (context.selected('stall-recovery')) rows.push(await stallRecovery(context, emulator, dir));
    if (context.selected('push-during-stall')) rows.push(await pushDuringStall(emulator, dir));
  } finally {
    await emulator?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

export const stallBench: BenchModule = { name: 'stall', rows: ROWS, run };
