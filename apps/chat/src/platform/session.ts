// The composition root: one signed-in user on this device. Elects the tab that leads this
// user (Web Locks), and only in that tab opens the user's SQLite database (WASM, OPFS), the
// repositories, the Firestore remote and the sync engine. A follower tab waits and takes over
// when the leader closes, so two tabs never run two engines on one database.
import { createLocalStore, networkFromBrowser } from 'localfire';
import type { LocalStore, SyncEngine } from 'localfire';
import { acquireLeadership, openBrowserDatabase } from 'localfire/browser';
import type { Leadership } from 'localfire/browser';
import { chatCollections, createChatRepositories, createChatSync } from '@localfire/chat-model';
import type { ChatRepositories } from '@localfire/chat-model';
import { demoUser } from '../demo/demo-users.js';
import { createStateCell } from '../view-models/index.js';
import type { Observable } from '../view-models/index.js';
import type { AppConfig } from './config.js';
import { connectChatRemote } from './firebase.js';

/** What the screens of a signed-in, leading tab use. */
export interface ChatServices {
  readonly me: { readonly id: string; readonly name: string };
  readonly repositories: ChatRepositories;
  readonly engine: SyncEngine;
  /** The local store's sync surface (the inspector lists quarantined documents from it). */
  readonly store: LocalStore;
  /** The database file in OPFS. */
  readonly databaseName: string;
  /** The app's offline switch: cuts this device's sync (Firestore network off, engine offline). */
  readonly offline: Observable<{ readonly forced: boolean }>;
  setOffline(offline: boolean): Promise<void>;
}

export type SessionState =
  | { readonly phase: 'starting' }
  | { readonly phase: 'follower' }
  | { readonly phase: 'ready'; readonly services: ChatServices }
  | { readonly phase: 'error'; readonly message: string };

export interface Session extends Observable<SessionState> {
  readonly userId: string;
  /** Stops the engine, closes the database and gives up leadership. */
  close(): Promise<void>;
}

export function startSession(config: AppConfig, userId: string): Session {
  const cell = createStateCell<{ state: SessionState }>({ state: { phase: 'starting' } });
  const set = (state: SessionState): void => cell.set({ state });
  const closers: (() => Promise<void> | void)[] = [];
  let leadership: Leadership | undefined;
  let closed = false;

  // One database per user AND backend project: a database never meets another project's data.
  const databaseKey = `${config.projectId}~${userId}`;

  const open = async (): Promise<void> => {
    const driver = await openBrowserDatabase({ userId: databaseKey });
    closers.push(() => driver.close());
    const store = await createLocalStore({ driver, collections: chatCollections });
    closers.push(() => store.close());
    const connected = connectChatRemote(config, userId);
    closers.push(() => connected.close());
    const { remote } = connected;
    // The platform's signal; the engine follows the remote's switch (Work offline) itself.
    const network = networkFromBrowser(window);
    const engine = createChatSync({ store, remote, userId, network });
    closers.push(() => engine.stop());
    const repositories = createChatRepositories({ store, userId });
    const offline = createStateCell({ forced: false });
    const name = demoUser(userId)?.displayName ?? userId;
    await engine.start();
    closers.push(keepPresence(repositories, userId, offline));
    const services: ChatServices = {
      me: { id: userId, name },
      repositories,
      engine,
      store,
      databaseName: driver.fileName,
      offline,
      async setOffline(next) {
        offline.set({ forced: next });
        await remote.setNetworkEnabled(!next);
      },
    };
    if (!closed) set({ phase: 'ready', services });
  };

  void (async () => {
    try {
      leadership = await acquireLeadership({ userId: databaseKey });
      if (closed) {
        leadership.release();
        return;
      }
      if (leadership.current === 'follower') set({ phase: 'follower' });
      await leadership.whenLeader();
      set({ phase: 'starting' });
      await open();
    } catch (e) {
      if (!closed) set({ phase: 'error', message: e instanceof Error ? e.message : String(e) });
    }
  })();

  return {
    userId,
    get: () => cell.get().state,
    subscribe: (listener) => cell.subscribe((s) => listener(s.state)),
    async close() {
      if (closed) return;
      closed = true;
      while (closers.length > 0) await Promise.resolve(closers.pop()?.()).catch(() => undefined);
      leadership?.release();
    },
  };
}

/**
 * Presence: online while this tab leads and the offline switch is off. Written once the
 * user's profile is in the local database (pulled on first start).
 */
function keepPresence(repositories: ChatRepositories, userId: string, offline: Observable<{ readonly forced: boolean }>): () => void {
  let written: boolean | undefined;
  const sync = (online: boolean, known: boolean): void => {
    if (!known || written === online) return;
    written = online;
    repositories.users.updatePresence(userId, online).catch(() => { written = undefined; });
  };
  let known = false;
  const stopUser = repositories.users.observeUser(userId).subscribe((user) => {
    known = user !== undefined;
    if (user !== undefined && written === undefined && user.isOnline === !offline.get().forced) written = user.isOnline;
    sync(!offline.get().forced, known);
  });
  const stopOffline = offline.subscribe((s) => sync(!s.forced, known));
  const onHide = (): void => sync(false, known);
  window.addEventListener('pagehide', onHide);
  return () => {
    stopUser();
    stopOffline();
    window.removeEventListener('pagehide', onHide);
  };
}
