import { createSyncEngine } from 'localfire';
import type { SyncEngine, SyncEngineOptions } from 'localfire';
import { chatSyncScopes } from './chat-sync-scopes.js';

/** {@link createChatSync}'s options: the engine's, with the chat scopes filled in. */
export type ChatSyncOptions = Omit<SyncEngineOptions, 'scopes'>;

/**
 * A sync engine configured for the chat domain: `store` opened with `chatCollections`,
 * `remote` a RemotePort for the same collections (e.g. `createFirestoreRemote({ firestore,
 * collections: chatCollections })` on a Firestore signed in as `userId`), and the scopes of
 * {@link chatSyncScopes}. Call `start()` to begin; `stop()` releases everything.
 */
export function createChatSync(options: ChatSyncOptions): SyncEngine {
  return createSyncEngine({ ...options, scopes: chatSyncScopes });
}
