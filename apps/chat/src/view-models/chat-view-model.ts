import { conversations, messages } from '@localfire/chat-model';
import type { ChatRepositories, Conversation, Message, User } from '@localfire/chat-model';
import { LocalfireError, isLocalfireError } from 'localfire';
import type { WriteControl } from 'localfire';
import { conversationTitle, personOf, usersById } from './people.js';
import type { Person } from './people.js';
import { createStateCell } from './state-cell.js';
import type { Observable } from './state-cell.js';

export interface ChatState {
  /** `loading` until the local database answered once; `missing` when the conversation does not exist locally. */
  readonly status: 'loading' | 'ready' | 'missing' | 'error';
  readonly title: string;
  readonly type: 'direct' | 'group';
  /** Everyone in the conversation but the current user. */
  readonly members: readonly Person[];
  /** Oldest first: older pages loaded with {@link ChatViewModel.loadOlder}, then the live latest ones. */
  readonly messages: readonly Message[];
  /**
   * The name to show for each sender of a shown message and each member, by user id: from the
   * user's own profile, so a rename shows everywhere and nobody can write a name under someone
   * else's message. (Only for a user whose profile is not known yet: a name a message or the
   * conversation of an earlier version stored, else the id.)
   */
  readonly senderNames: Readonly<Record<string, string>>;
  /** Older messages may exist locally beyond those shown. */
  readonly hasOlder: boolean;
  readonly loadingOlder: boolean;
  readonly error: string | null;
}

export interface ChatViewModel extends Observable<ChatState> {
  /** Writes the message locally (status `sending`); the sync engine pushes it. Blank text is ignored. */
  send(text: string): Promise<void>;
  /** Loads the page of messages before the oldest shown; resolves with how many were added. */
  loadOlder(): Promise<number>;
  /**
   * The Retry of a failed message: pushes its failed write again, and the conversation's
   * failed preview with it. Rejects `not-found` when the message has no failed write.
   */
  retry(messageId: string): Promise<void>;
  /**
   * The Discard of a failed message: the message is removed (the server never had it), and a
   * failed preview of it on the conversation is dropped too (the server's preview comes back).
   * Rejects `not-found` when the message has no failed write.
   */
  discard(messageId: string): Promise<void>;
  /** While visible, incoming messages are marked read by the current user. */
  setVisible(visible: boolean): void;
  dispose(): void;
}

export interface ChatViewModelOptions {
  readonly repositories: ChatRepositories;
  readonly conversationId: string;
  readonly me: { readonly id: string; readonly name: string };
  /** Messages per page (live window and each older page). Default 50. */
  readonly pageSize?: number;
  /** Retry and discard of failed writes: the sync engine. Without it, Retry and Discard reject `closed`. */
  readonly writes?: Pick<WriteControl, 'retry' | 'discard'>;
}

/**
 * One conversation's screen state, from the local store only (the spec's `ChatViewModel`,
 * "After"): the latest messages live, older pages on demand with `getMessagesBefore`, sends
 * written locally at once. No optimistic bookkeeping: the repository's local write IS the
 * optimistic update, and the message's status follows its sync state.
 */
export function createChatViewModel(options: ChatViewModelOptions): ChatViewModel {
  const { repositories, conversationId, me } = options;
  const pageSize = options.pageSize ?? 50;
  const cell = createStateCell<ChatState>({
    status: 'loading', title: '', type: 'direct', members: [], messages: [], senderNames: {}, hasOlder: false, loadingOlder: false, error: null,
  });
  let conversation: Conversation | undefined | null = null; // null: not answered yet
  let users: ReadonlyMap<string, User> = new Map();
  let older: Message[] = [];
  let live: readonly Message[] | undefined;
  let olderExhausted = false;
  let visible = false;
  let disposed = false;
  const readRequested = new Set<string>();

  const fail = (e: unknown): void => {
    if (!disposed) cell.update({ error: e instanceof Error ? e.message : String(e) });
  };

  const render = (): void => {
    if (disposed || conversation === null || live === undefined) return;
    if (conversation === undefined) {
      cell.update({ status: 'missing' });
      return;
    }
    const c = conversation;
    const members = c.participantIds.filter((id) => id !== me.id).map((id) => personOf(id, users, c));
    const messages = older.length === 0 ? live : [...older, ...live];
    const names: Record<string, string> = {};
    for (const m of messages) names[m.senderId] ??= users.has(m.senderId) || m.senderName === undefined ? personOf(m.senderId, users, c).name : m.senderName;
    for (const p of members) names[p.id] ??= p.name;
    const previousNames = cell.get().senderNames;
    cell.update({
      status: 'ready',
      title: conversationTitle(c, me.id, users),
      type: c.type,
      // Unchanged members keep their identity: a new last message alone re-renders nothing.
      members: samePeople(cell.get().members, members) ? cell.get().members : members,
      messages,
      senderNames: sameNames(previousNames, names) ? previousNames : names,
      hasOlder: !olderExhausted && (older.length > 0 || live.length >= pageSize),
    });
    markRead();
  };

  const markRead = (): void => {
    if (!visible || live === undefined) return;
    const unread = cell.get().messages.filter((m) => m.senderId !== me.id && !m.readBy.includes(me.id) && !readRequested.has(m.id)).map((m) => m.id);
    if (unread.length === 0) return;
    for (const id of unread) readRequested.add(id);
    repositories.messages.markMessagesAsRead(unread, me.id).catch((e: unknown) => {
      for (const id of unread) readRequested.delete(id);
      fail(e);
    });
  };

  const onLive = (next: readonly Message[]): void => {
    // Messages that slid out of the live window (newer ones arrived) stay shown, as older ones.
    const first = next[0];
    if (live !== undefined && first !== undefined) {
      const kept = new Set(next.map((m) => m.id));
      const slid = live.filter((m) => !kept.has(m.id) && before(m, first));
      if (slid.length > 0) older = [...older, ...slid];
    }
    live = next;
    render();
  };

  const stops = [
    repositories.conversations.observe(conversationId).subscribe((c) => {
      conversation = c;
      render();
    }, fail),
    repositories.users.observe().subscribe((all) => {
      users = usersById(all);
      render();
    }, fail),
    repositories.messages.observeMessages(conversationId, { limit: pageSize }).subscribe(onLive, fail),
  ];

  let loading: Promise<number> | undefined;
  /** Runs an action; a failure shows as the chat's error and rejects. */
  const reported = async (action: () => Promise<void>): Promise<void> => {
    try {
      await action();
    } catch (e) {
      fail(e);
      throw e;
    }
  };
  const writeControl = (): Pick<WriteControl, 'retry' | 'discard'> => {
    if (options.writes === undefined) throw new LocalfireError('closed', 'this chat has no sync engine to retry or discard writes');
    return options.writes;
  };

  return {
    get: cell.get,
    subscribe: cell.subscribe,
    async send(text) {
      const trimmed = text.trim();
      if (trimmed === '') return;
      try {
        await repositories.messages.sendMessage({ conversationId, text: trimmed, senderId: me.id });
      } catch (e) {
        fail(e);
        throw e;
      }
    },
    loadOlder() {
      const oldest = cell.get().messages[0];
      if (oldest === undefined || olderExhausted) return Promise.resolve(0);
      loading ??= (async () => {
        cell.update({ loadingOlder: true });
        try {
          const page = await repositories.messages.getMessagesBefore(conversationId, oldest, pageSize);
          if (page.length < pageSize) olderExhausted = true;
          older = [...page, ...older];
          return page.length;
        } finally {
          loading = undefined;
          cell.update({ loadingOlder: false });
          render();
        }
      })();
      return loading;
    },
    retry: (messageId) =>
      reported(async () => {
        const writes = writeControl();
        await writes.retry({ collection: messages.name, id: messageId });
        await ignoreNotFound(writes.retry({ collection: conversations.name, id: conversationId }));
      }),
    discard: (messageId) =>
      reported(async () => {
        const writes = writeControl();
        const message = cell.get().messages.find((m) => m.id === messageId);
        await writes.discard({ collection: messages.name, id: messageId });
        const c = conversation;
        if (message !== undefined && c?.lastMessage !== undefined && c.lastMessage.sentAt === message.timestamp.getTime() && c.lastMessage.senderId === message.senderId) {
          await ignoreNotFound(writes.discard({ collection: conversations.name, id: conversationId }));
        }
      }),
    setVisible(next) {
      visible = next;
      markRead();
    },
    dispose() {
      disposed = true;
      for (const stop of stops) stop();
    },
  };
}

function sameNames(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

function samePeople(a: readonly Person[], b: readonly Person[]): boolean {
  return a.length === b.length && a.every((p, i) => {
    const q = b[i];
    return q !== undefined && p.id === q.id && p.name === q.name && p.isOnline === q.isOnline && p.lastSeen?.getTime() === q.lastSeen?.getTime();
  });
}

/** (timestamp, id) order, the repository's. */
function before(a: Message, b: Message): boolean {
  const ta = a.timestamp.getTime();
  const tb = b.timestamp.getTime();
  return ta < tb || (ta === tb && a.id < b.id);
}

/** A control call on a document that has no failed write is nothing to do. */
async function ignoreNotFound(call: Promise<unknown>): Promise<void> {
  try {
    await call;
  } catch (e) {
    if (!isLocalfireError(e, 'not-found')) throw e;
  }
}
