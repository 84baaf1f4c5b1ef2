// The Firestore adapter in a real browser (the SDK's WebChannel transport): two clients on the
// emulator, A writes, B's subscription receives. Exposed as `window.firestoreAdapterRoundtrip`.
import { deleteApp, initializeApp } from 'firebase/app';
import { connectFirestoreEmulator, initializeFirestore, memoryLocalCache, setLogLevel, terminate } from 'firebase/firestore';
import type { Firestore } from 'firebase/firestore';
import { createFirestoreRemote } from '../../../src/adapters/firestore/index.js';
import type { RemoteChange } from '../../../src/index.js';
import { lists, todos } from '../../fixtures/todo.js';

export interface RoundtripResult {
  readonly ackVersion: number;
  readonly received: { readonly type: string; readonly id: string; readonly version: number; readonly dueAtIsDate: boolean; readonly dueAtMs: number | null; readonly title: unknown };
  readonly offlineKind: string | null;
  readonly states: readonly string[];
}

function client(projectId: string, host: string, port: number, name: string): Firestore {
  const app = initializeApp({ projectId, apiKey: 'browser-test' }, name);
  const firestore = initializeFirestore(app, { localCache: memoryLocalCache() });
  connectFirestoreEmulator(firestore, host, port, { mockUserToken: { user_id: name } });
  return firestore;
}

async function roundtrip(host: string, port: number, projectId: string): Promise<RoundtripResult> {
  setLogLevel('silent');
  const fa = client(projectId, host, port, 'alice');
  const fb = client(projectId, host, port, 'bob');
  const a = createFirestoreRemote({ firestore: fa, collections: [lists, todos] });
  const b = createFirestoreRemote({ firestore: fb, collections: [lists, todos] });
  try {
    const states: string[] = [];
    a.onConnectionChange((s) => states.push(s));
    const got = new Promise<RemoteChange>((resolve) => {
      b.subscribe({ collection: 'todos', parents: { listId: 'l1' } }, null, {
        onChanges: (changes) => {
          if (changes[0]) resolve(changes[0]);
        },
        onError: () => undefined,
      });
    });
    const set = (value: unknown) => ({ op: 'set' as const, value });
    const write = {
      mutationId: 'm1', collection: 'todos', id: 't1', path: 'lists/l1/todos/t1', op: 'set' as const,
      fields: { listId: set('l1'), title: set('from the browser'), done: set(false), position: set(1), tags: set(['a']), dueAt: set(new Date(1_700_000_000_123)) },
    };
    const [ack] = await a.write([write]);
    const change = await got;
    if (!('doc' in change)) throw new Error(`unexpected ${change.type}`);
    await a.setNetworkEnabled(false);
    const offlineKind = await a.write([write]).then(() => null, (e: { kind?: string }) => e.kind ?? 'unknown');
    await a.setNetworkEnabled(true);
    const dueAt = change.doc.data['dueAt'];
    return {
      ackVersion: ack?.version ?? -1,
      received: { type: change.type, id: change.doc.id, version: change.doc.version, dueAtIsDate: dueAt instanceof Date, dueAtMs: dueAt instanceof Date ? dueAt.getTime() : null, title: change.doc.data['title'] },
      offlineKind,
      states,
    };
  } finally {
    await Promise.all([a.close(), b.close()]);
    await Promise.all([terminate(fa), terminate(fb)]);
    await Promise.all([deleteApp(fa.app), deleteApp(fb.app)]);
  }
}

(window as unknown as Record<string, unknown>)['firestoreAdapterRoundtrip'] = roundtrip;
