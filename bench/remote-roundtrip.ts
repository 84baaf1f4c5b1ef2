/*
 * remote-roundtrip: a write by client A through the Firestore adapter until client B's
 * adapter subscription delivers it, over the emulator. Baseline: the same document written
 * with a bare `setDoc` by A until a bare `onSnapshot` of B sees it, alternated in the same run
 * (same two Firestore instances, so the same connections).
 * remote-write-ack: A's `write()` until its ack (commit + reading the commit time back from
 * the SDK cache) against a bare `setDoc` until it resolves: the cost of the ack's server time.
 */
import { deleteApp, initializeApp } from 'firebase/app';
import type { Firestore } from 'firebase/firestore';
import { collection, connectFirestoreEmulator, doc, initializeFirestore, memoryLocalCache, onSnapshot, serverTimestamp, setDoc, setLogLevel, terminate } from 'firebase/firestore';
import { performance } from 'node:perf_hooks';
import { defineCollection, field } from 'localfire';
import type { FieldChange, RemoteWrite } from 'localfire';
import { createFirestoreRemote } from 'localfire/firestore';
import { startFirestoreEmulator } from 'localfire/testing/emulator';
import { z } from 'zod';
import { measurePair, toRow, within } from './harness.js';
import type { BenchModule, BenchRow } from './harness.js';

const WARMUP = 20;
const ITERATIONS = 200;
const ROWS = ['remote-roundtrip', 'remote-write-ack'] as const;
/**
 * A sample waits this long for its delivery. The emulator now and then drops a change for a
 * listener that stays open (seen on both sides, more often on a loaded machine): that sample is
 * taken again with a new document after the listener is re-opened (the adapter's own watchdog
 * would do the same, later), the loss is counted in the row's note, and after
 * {@link MAX_LOST} losses the run fails.
 */
const DELIVERY_TIMEOUT_MS = 10_000;
const MAX_LOST = 5;

const items = defineCollection({
  name: 'items',
  path: 'rooms/{roomId}/items/{id}',
  schema: z.object({ id: z.string(), roomId: z.string(), text: z.string(), n: z.number().int(), at: z.date() }),
  fields: { roomId: field.string(), text: field.string(), n: field.integer(), at: field.date() },
});

/** Resolves when `id` is seen; `seen(id)` is called by the listener. */
function arrivals(): { next(id: string): Promise<number>; seen(id: string): void } {
  const waiting = new Map<string, (at: number) => void>();
  return {
    next: (id) => new Promise<number>((resolve) => waiting.set(id, resolve)),
    seen(id) {
      const resolve = waiting.get(id);
      waiting.delete(id);
      resolve?.(performance.now());
    },
  };
}

function client(projectId: string, host: string, port: number, name: string): Firestore {
  const app = initializeApp({ projectId, apiKey: 'bench' }, name);
  const firestore = initializeFirestore(app, { localCache: memoryLocalCache() });
  connectFirestoreEmulator(firestore, host, port);
  return firestore;
}

const payload = (i: number) => ({ roomId: 'r1', text: `message ${i} `.repeat(4), n: i, at: new Date(1_700_000_000_000 + i) });

async function run(context: Parameters<BenchModule['run']>[0]): Promise<BenchRow[]> {
  setLogLevel('silent');
  const emulator = await startFirestoreEmulator();
  const projectId = emulator.projectId('remote-roundtrip');
  const a = client(projectId, emulator.host, emulator.port, 'bench-a');
  const b = client(projectId, emulator.host, emulator.port, 'bench-b');
  const remoteA = createFirestoreRemote({ firestore: a, collections: [items] });
  const remoteB = createFirestoreRemote({ firestore: b, collections: [items] });
  try {
    const viaAdapter = arrivals();
    const viaSdk = arrivals();
    let i = 0;
    const subscribeAdapter = () => remoteB.subscribe({ collection: 'items', parents: { roomId: 'r1' } }, null, {
      onChanges(changes) {
        for (const c of changes) if (c.type !== 'removed') viaAdapter.seen('doc' in c ? c.doc.id : c.id);
      },
      onError: (e) => context.log(`subscription error: ${e.message}`),
    });
    const subscribeSdk = () => onSnapshot(collection(b, 'rooms/r2/items'), (snap) => {
      for (const c of snap.docChanges()) viaSdk.seen(c.doc.id);
    });
    let subscription = subscribeAdapter();
    let unsubscribe = subscribeSdk();
    const lost = { adapter: 0, sdk: 0 };
    /** One delivery's time; a dropped one is taken again (see DELIVERY_TIMEOUT_MS). */
    const delivered = async (side: 'adapter' | 'sdk', attempt: (id: string) => Promise<number>): Promise<number> => {
      for (;;) {
        const id = `${side === 'adapter' ? 's' : 'b'}${++i}`;
        try {
          return await attempt(id);
        } catch (e) {
          if (lost.adapter + lost.sdk >= MAX_LOST) throw e;
          lost[side]++;
          context.log(`${(e as Error).message}: re-opening the listener and taking the sample again`);
          if (side === 'adapter') {
            subscription.close();
            subscription = subscribeAdapter();
          } else {
            unsubscribe();
            unsubscribe = subscribeSdk();
          }
        }
      }
    };
    const lossNote = () => (lost.adapter + lost.sdk === 0 ? '' : `; deliveries the emulator dropped and were taken again: ${lost.adapter} adapter, ${lost.sdk} bare SDK`);
    const adapterWrite = (id: string): RemoteWrite => ({
      mutationId: `m-${id}`, collection: 'items', id, path: `rooms/r1/items/${id}`, op: 'set',
      fields: Object.fromEntries(Object.entries(payload(i)).map(([k, value]): [string, FieldChange] => [k, { op: 'set', value }])),
    });
    const sdkWrite = (id: string) => setDoc(doc(a, `rooms/r2/items/${id}`), { ...payload(i), roomId: 'r2', updatedAt: serverTimestamp(), deleted: false }, { merge: true });

    const rows: BenchRow[] = [];
    if (context.selected('remote-roundtrip')) {
      const pair = await measurePair(
        () => delivered('adapter', async (id) => {
          const arrived = viaAdapter.next(id);
          const start = performance.now();
          await remoteA.write([adapterWrite(id)]);
          return (await within(arrived, DELIVERY_TIMEOUT_MS, `B's adapter subscription delivering ${id}`)) - start;
        }),
        () => delivered('sdk', async (id) => {
          const arrived = viaSdk.next(id);
          const start = performance.now();
          await sdkWrite(id);
          return (await within(arrived, DELIVERY_TIMEOUT_MS, `B's bare onSnapshot seeing ${id}`)) - start;
        }),
        { warmup: WARMUP, iterations: ITERATIONS },
      );
      rows.push(toRow({
        name: 'remote-roundtrip', samples: pair.subject,
        baseline: { name: 'bare setDoc -> onSnapshot (SDK alone)', samples: pair.baseline },
        note: `${ITERATIONS} alternated samples after ${WARMUP} warm-up, emulator on 127.0.0.1, two memory-cache clients; from write() call to B's onChanges${lossNote()}`,
      }));
    }
    if (context.selected('remote-write-ack')) {
      const pair = await measurePair(
        async () => { await remoteA.write([adapterWrite(`s${++i}`)]); },
        async () => { await sdkWrite(`b${++i}`); },
        { warmup: WARMUP, iterations: ITERATIONS },
      );
      rows.push(toRow({
        name: 'remote-write-ack', samples: pair.subject,
        baseline: { name: 'bare setDoc until resolved', samples: pair.baseline },
        note: 'write() includes reading the commit time back from the SDK cache (no round trip)',
      }));
    }
    subscription.close();
    unsubscribe();
    return rows;
  } finally {
    await Promise.all([remoteA.close(), remoteB.close()]);
    await Promise.all([terminate(a), terminate(b)]);
    await Promise.all([deleteApp(a.app), deleteApp(b.app)]);
    await emulator.stop();
  }
}

export const remoteRoundtripBench: BenchModule = { name: 'remote-roundtrip', rows: ROWS, run };
