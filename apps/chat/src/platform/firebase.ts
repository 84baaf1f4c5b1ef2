// The composition root's Firebase part: the ONLY module of the app that imports `firebase`
// (enforced by lint). It creates the user's Firebase app and Firestore (memory cache: SQLite is
// the cache) on the emulator, signed in with the emulator's mock token, and hands the
// Firestore to localfire's remote adapter.
import { deleteApp, initializeApp } from 'firebase/app';
import { connectFirestoreEmulator, initializeFirestore, memoryLocalCache } from 'firebase/firestore';
import { createFirestoreRemote } from 'localfire/firestore';
import type { FirestoreRemote } from 'localfire/firestore';
import { chatCollections } from '@localfire/chat-model';
import type { AppConfig } from './config.js';

export interface ConnectedRemote {
  readonly remote: FirestoreRemote;
  /** Closes the remote, terminates Firestore and deletes the Firebase app. */
  close(): Promise<void>;
}

/** A Firestore remote for the chat collections, signed in as `userId` on the emulator. */
export function connectChatRemote(config: AppConfig, userId: string): ConnectedRemote {
  const app = initializeApp({ projectId: config.projectId, apiKey: 'demo-api-key' }, `localfire-chat-${userId}`);
  const firestore = initializeFirestore(app, { localCache: memoryLocalCache() });
  connectFirestoreEmulator(firestore, config.emulatorHost, config.emulatorPort, { mockUserToken: { user_id: userId } });
  const remote = createFirestoreRemote({ firestore, collections: chatCollections, terminateOnClose: true });
  return {
    remote,
    async close() {
      await remote.close();
      await deleteApp(app).catch(() => undefined);
    },
  };
}
