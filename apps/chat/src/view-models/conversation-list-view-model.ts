import type { ChatRepositories, Conversation, ConversationSummary, User } from '@localfire/chat-model';
import { conversationTitle, personOf, usersById } from './people.js';
import type { Person } from './people.js';
import { createStateCell } from './state-cell.js';
import type { Observable } from './state-cell.js';

/** One row of the conversation list. */
export interface ConversationListItem {
  readonly id: string;
  readonly type: 'direct' | 'group';
  readonly title: string;
  /** The other person of a direct conversation (for the presence dot); null for groups. */
  readonly peer: Person | null;
  readonly memberCount: number;
  readonly lastMessageText: string | null;
  /** "You" when the current user sent it. */
  readonly lastMessageSender: string | null;
  readonly lastActivityAt: Date;
  readonly unreadCount: number;
  /** The conversation itself is still waiting for the server. */
  readonly pending: boolean;
}

/** A group the user is invited to: shown with accept and decline, its messages unread until accepted. */
export interface InvitationItem {
  readonly id: string;
  readonly title: string;
  /** Who is in the group now, by name. */
  readonly members: readonly string[];
}

export interface ConversationListState {
  /** `loading` until the local database answered once. */
  readonly status: 'loading' | 'ready' | 'error';
  /** Latest activity first. */
  readonly conversations: readonly ConversationListItem[];
  /** Groups the user is invited to, latest activity first. */
  readonly invitations: readonly InvitationItem[];
  /** Everyone else the device knows, by name: who a new conversation can be with. */
  readonly contacts: readonly Person[];
  readonly error: string | null;
}

export interface ConversationListViewModel extends Observable<ConversationListState> {
  /** Opens (creating locally if needed) the direct conversation with `otherUserId`; resolves with its id. */
  startDirectConversation(otherUserId: string): Promise<string>;
  /** Creates a group of the current user, inviting `memberIds` (each joins by accepting); resolves with its id. */
  startGroupConversation(memberIds: readonly string[], name?: string): Promise<string>;
  /** Joins a group the user is invited to: it moves to the conversation list with its messages. */
  acceptInvitation(conversationId: string): Promise<void>;
  /** Declines an invitation: it disappears. */
  declineInvitation(conversationId: string): Promise<void>;
  /** Stops every subscription. Idempotent. */
  dispose(): void;
}

export interface ConversationListViewModelOptions {
  readonly repositories: ChatRepositories;
  /** The signed-in user. */
  readonly userId: string;
  /**
   * Mark incoming messages of the listed conversations as delivered to this device
   * (`deliveredTo`), so their senders see "delivered". Default true.
   */
  readonly markDelivered?: boolean;
}

const INITIAL: ConversationListState = { status: 'loading', conversations: [], invitations: [], contacts: [], error: null };

/**
 * The conversation list screen's state, from the local store only: the user's conversations
 * (live, latest activity first, with unread counts and the last message), the groups they are
 * invited to, and the people they can start a conversation with. Every name is the person's
 * own profile name. Writes go to the repositories; the sync engine does the rest.
 */
export function createConversationListViewModel(options: ConversationListViewModelOptions): ConversationListViewModel {
  const { repositories, userId } = options;
  const cell = createStateCell<ConversationListState>(INITIAL);
  let summaries: readonly ConversationSummary[] | undefined;
  let invited: readonly Conversation[] = [];
  let users: ReadonlyMap<string, User> = new Map();
  let disposed = false;
  const delivery = createDeliveryMarker(repositories, userId);

  const fail = (e: unknown): void => {
    if (!disposed) cell.update({ status: 'error', error: e instanceof Error ? e.message : String(e) });
  };

  const render = (): void => {
    if (disposed || summaries === undefined) return;
    const conversations = summaries.map((c): ConversationListItem => {
      const others = c.participantIds.filter((id) => id !== userId);
      const lastSenderId = c.lastMessage?.senderId;
      return {
        id: c.id,
        type: c.type,
        title: conversationTitle(c, userId, users),
        peer: c.type === 'direct' && others[0] !== undefined ? personOf(others[0], users, c) : null,
        memberCount: c.participantIds.length,
        lastMessageText: c.lastMessage?.text ?? null,
        lastMessageSender: lastSenderId === undefined ? null : lastSenderId === userId ? 'You' : personOf(lastSenderId, users, c).name,
        lastActivityAt: c.lastActivityAt,
        unreadCount: c.unreadCount,
        pending: c.syncStatus !== 'synced',
      };
    });
    const contacts = [...users.values()]
      .filter((u) => u.id !== userId)
      .map((u) => personOf(u.id, users))
      .sort((a, b) => a.name.localeCompare(b.name));
    const invitations = invited.map((c): InvitationItem => ({
      id: c.id,
      title: conversationTitle(c, userId, users),
      members: c.participantIds.map((id) => personOf(id, users, c).name),
    }));
    cell.set({ status: 'ready', conversations, invitations, contacts, error: cell.get().error });
  };

  const stops = [
    repositories.conversations.observeConversations(userId).subscribe((list) => {
      summaries = list;
      render();
      if (options.markDelivered !== false) delivery.request(list.filter((c) => c.unreadCount > 0).map((c) => c.id), fail);
    }, fail),
    repositories.conversations.observeInvitations(userId).subscribe((list) => {
      invited = list;
      render();
    }, fail),
    repositories.users.observe().subscribe((all) => {
      users = usersById(all);
      render();
    }, fail),
  ];

  return {
    get: cell.get,
    subscribe: cell.subscribe,
    async startDirectConversation(otherUserId) {
      return (await repositories.conversations.createDirectConversation(userId, otherUserId)).id;
    },
    async startGroupConversation(memberIds, name) {
      const trimmed = name?.trim();
      return (await repositories.conversations.createGroupConversation(userId, memberIds, trimmed === undefined || trimmed === '' ? undefined : trimmed)).id;
    },
    async acceptInvitation(conversationId) {
      await repositories.conversations.acceptInvitation(conversationId, userId);
    },
    async declineInvitation(conversationId) {
      await repositories.conversations.declineInvitation(conversationId, userId);
    },
    dispose() {
      disposed = true;
      for (const stop of stops) stop();
    },
  };
}

/** Marks incoming messages of some conversations delivered; one pass at a time, the latest request wins. */
function createDeliveryMarker(repositories: ChatRepositories, userId: string) {
  let running = false;
  let next: { ids: readonly string[]; onError: (e: unknown) => void } | undefined;
  const pass = async (conversationIds: readonly string[]): Promise<void> => {
    if (conversationIds.length === 0) return;
    const incoming = await repositories.messages.repo.query({
      where: { conversationId: { in: conversationIds }, senderId: { ne: userId } },
      orderBy: [['timestamp', 'desc']],
      limit: 500,
    });
    const undelivered = incoming.filter((m) => !m.deliveredTo.includes(userId) && !m.readBy.includes(userId)).map((m) => m.id);
    if (undelivered.length > 0) await repositories.messages.markMessagesAsDelivered(undelivered, userId);
  };
  const drain = async (): Promise<void> => {
    running = true;
    while (next !== undefined) {
      const { ids, onError } = next;
      next = undefined;
      await pass(ids).catch(onError);
    }
    running = false;
  };
  return {
    request(ids: readonly string[], onError: (e: unknown) => void): void {
      next = { ids, onError };
      if (!running) void drain();
    },
  };
}
