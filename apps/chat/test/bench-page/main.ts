// The page of `npm run bench -- browser-read-1000` (bench/browser.ts): the chat view's query
// for N messages through the SQLite WASM driver, and the same query on the Firestore SDK's own
// persistent cache (IndexedDB, `getDocsFromCache`), in one page. Times are taken in the page.
import { deleteApp, initializeApp } from 'firebase/app';
import {
  collection, connectFirestoreEmulator, getDocsFromCache, getDocsFromServer, initializeFirestore, limit, orderBy, persistentLocalCache, query, terminate,
} from 'firebase/firestore';
import type { Query } from 'firebase/firestore';
import { createLocalStore } from 'localfire';
import { openBrowserDatabase } from 'localfire/browser';
import { chatCollections, createChatRepositories } from '@localfire/chat-model';
import type { ChatRepositories } from '@localfire/chat-model';
import type { ReadBenchApi, ReadSetup } from '../../../../test-support/bench-page-api.js';

const T0 = Date.UTC(2024, 0, 1);
let repositories: ChatRepositories | undefined;
let sdkQuery: Query | undefined;
let setup: ReadSetup | undefined;

/**
 * The baseline's cache: the query read once from the server into the SDK's persistent cache.
 * The emulator now and then leaves such a read hanging (its WebChannel stream stalls): an
 * attempt that takes over 30 s is dropped with its client, and a fresh client tries again.
 */
async function fillSdkCache(s: ReadSetup): Promise<Query> {
  for (let attempt = 1; ; attempt++) {
    const app = initializeApp({ projectId: s.projectId, apiKey: 'bench' }, `bench-${s.projectId}-${attempt}`);
    const firestore = initializeFirestore(app, { localCache: persistentLocalCache() });
    connectFirestoreEmulator(firestore, s.host, s.port, { mockUserToken: { user_id: s.userId } });
    const q = query(collection(firestore, 'conversations', s.conversationId, 'messages'), orderBy('timestamp', 'desc'), limit(s.count));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stalled = new Promise<'stalled'>((resolve) => (timer = setTimeout(() => resolve('stalled'), 30_000)));
    const outcome = await Promise.race([getDocsFromServer(q).then(() => 'read' as const), stalled]).finally(() => clearTimeout(timer));
    if (outcome === 'read') return q;
    if (attempt === 3) throw new Error('the SDK could not read the messages from the emulator in 3 attempts');
    console.warn(`bench page: reading from the emulator stalled (attempt ${attempt}); retrying with a fresh client`);
    // Not awaited: a stalled client may take its time to shut down.
    void terminate(firestore).then(() => deleteApp(app));
  }
}

const api: ReadBenchApi = {
  async setupRead(s) {
    setup = s;
    const driver = await openBrowserDatabase({ userId: `bench-${s.projectId}`, reset: true });
    const store = await createLocalStore({ driver, collections: chatCollections });
    await store.sync.transaction(async (tx) => {
      let serverTime = T0 * 1000;
      const last = new Date(T0 + s.count * 1000);
      await tx.writeRow('conversations', {
        id: s.conversationId,
        data: {
          type: 'direct', participantIds: [...s.members], participants: Object.fromEntries(s.members.map((m) => [m, { displayName: m }])),
          lastMessageText: `message ${s.count - 1}`, lastMessageSenderId: s.members[0], lastMessageSenderName: s.members[0], lastMessageTimestamp: last, lastActivityAt: last,
        },
        serverTime: ++serverTime, deleted: false, syncStatus: 'synced',
      });
      for (let m = 0; m < s.count; m++) {
        const sender = s.members[m % s.members.length] ?? 'x';
        const id = `${s.conversationId}-m${String(m).padStart(4, '0')}`;
        await tx.writeRow('messages', {
          id,
          data: {
            conversationId: s.conversationId, senderId: sender, senderName: sender, text: benchText(m),
            timestamp: new Date(T0 + m * 1000), readBy: [...s.members], deliveredTo: [...s.members], localId: id,
          },
          serverTime: ++serverTime, deleted: false, syncStatus: 'synced',
        });
      }
    });
    repositories = createChatRepositories({ store });

    sdkQuery = await fillSdkCache(s);
    const local = (await repositories.messages.getMessages(s.conversationId, s.count)).length;
    const sdk = (await getDocsFromCache(sdkQuery)).size;
    return { local, sdk };
  },
  async readLocal() {
    if (repositories === undefined || setup === undefined) throw new Error('setupRead first');
    const start = performance.now();
    const messages = await repositories.messages.getMessages(setup.conversationId, setup.count);
    const elapsed = performance.now() - start;
    if (messages.length !== setup.count) throw new Error(`local read returned ${messages.length}`);
    return elapsed;
  },
  async readSdk() {
    if (sdkQuery === undefined || setup === undefined) throw new Error('setupRead first');
    const start = performance.now();
    const snapshot = await getDocsFromCache(sdkQuery);
    // The same shape the repository returns: plain objects, oldest first.
    const messages = snapshot.docs.map((d) => ({ id: d.id, ...d.data() })).reverse();
    const elapsed = performance.now() - start;
    if (messages.length !== setup.count) throw new Error(`SDK cache read returned ${messages.length}`);
    return elapsed;
  },
};

/** The text of bench message `m` (both sides store the same). */
export function benchText(m: number): string {
  return `message ${m}: the quick brown fox jumps over the lazy dog`;
}

(window as unknown as { __readBench: ReadBenchApi }).__readBench = api;
