import { LocalfireError } from 'localfire';
import type { LiveQuery, Transaction } from 'localfire';
import { conversations } from '../collections/conversations.js';
import type { ConversationEntity } from '../collections/conversations.js';
import { messages } from '../collections/messages.js';
import { users } from '../collections/users.js';
import { toConversation } from '../domain/conversation.js';
import type { Conversation, ConversationSummary, ParticipantInfo } from '../domain/conversation.js';
import { directConversationId } from '../domain/direct-conversation-id.js';
import type { Message } from '../domain/message.js';
import { createDomainCrud } from './domain-crud.js';
import type { DomainRepository } from './domain-crud.js';
import { requireConversation, writeLastMessage } from './last-message.js';
import { resolveOptions } from './options.js';
import type { ChatRepositoryOptions } from './options.js';

/** Conversations, read from and written to the local store only. */
export interface ConversationRepository extends DomainRepository<Conversation, ConversationEntity> {
  /**
   * The user's conversations, live, latest activity first (ties by id), each with the
   * number of messages the user has not read (not sent by them, not in their `readBy`).
   * Re-emits when a conversation or a message of the store changes that alters the list.
   */
  observeConversations(userId: string): LiveQuery<ConversationSummary[]>;
  /**
   * The direct conversation of the two users, created if it does not exist yet. Its id is
   * deterministic ({@link directConversationId}): two devices get the same conversation.
   * Throws `validation` for an empty uid or a conversation with oneself.
   */
  createDirectConversation(userId: string, otherUserId: string): Promise<Conversation>;
  /**
   * A new group of the creator and `participantIds` (duplicates dropped). Throws
   * `validation` with no other participant, an empty uid or a blank group name.
   */
  createGroupConversation(creatorId: string, participantIds: readonly string[], groupName?: string): Promise<Conversation>;
  /**
   * Sets the last-message preview from `message` and moves the activity time forward.
   * Throws `not-found` for an unknown conversation.
   */
  updateLastMessage(conversationId: string, message: Message): Promise<void>;
}

export function createConversationRepository(options: ChatRepositoryOptions): ConversationRepository {
  const { store, clock, newId } = resolveOptions(options);
  const crud = createDomainCrud(store, conversations, toConversation);

  return {
    ...crud,
    observeConversations(userId) {
      return store.live(async (tx) => {
        const rows = await tx.repo(conversations).query({
          where: { participantIds: { contains: userId } },
          orderBy: [['lastActivityAt', 'desc']],
        });
        if (rows.length === 0) return [];
        const unread = await unreadCounts(tx, rows.map((r) => r.id), userId);
        return rows.map((row): ConversationSummary => ({ ...toConversation(row), unreadCount: unread.get(row.id) ?? 0 }));
      });
    },
    async createDirectConversation(userId, otherUserId) {
      requireUid(userId);
      requireUid(otherUserId);
      if (userId === otherUserId) throw new LocalfireError('validation', 'a direct conversation needs two different users');
      const id = directConversationId(userId, otherUserId);
      return store.transaction(async (tx) => {
        const r = tx.repo(conversations);
        const existing = await r.read(id);
        if (existing !== undefined) return toConversation(existing);
        const participantIds = [userId, otherUserId].sort();
        const row = await r.create({
          id,
          type: 'direct',
          participantIds,
          participants: await participantInfo(tx, participantIds),
          lastActivityAt: new Date(clock()),
        });
        return toConversation(row);
      });
    },
    async createGroupConversation(creatorId, participantIds, groupName) {
      const members = [...new Set([creatorId, ...participantIds])];
      members.forEach(requireUid);
      if (members.length < 2) throw new LocalfireError('validation', 'a group needs at least one participant besides its creator');
      if (groupName !== undefined && groupName.trim() === '') throw new LocalfireError('validation', 'a group name must not be blank');
      return store.transaction(async (tx) => {
        const row = await tx.repo(conversations).create({
          id: newId(),
          type: 'group',
          participantIds: members,
          participants: await participantInfo(tx, members),
          ...(groupName === undefined ? {} : { groupName }),
          createdBy: creatorId,
          lastActivityAt: new Date(clock()),
        });
        return toConversation(row);
      });
    },
    async updateLastMessage(conversationId, message) {
      await store.transaction(async (tx) => {
        const r = tx.repo(conversations);
        await writeLastMessage(r, await requireConversation(r, conversationId), message);
      });
    },
  };
}

function requireUid(uid: string): void {
  if (uid.trim() === '') throw new LocalfireError('validation', 'a user id must not be empty');
}

/** Display info of each participant from the local users table (the uid when unknown). */
async function participantInfo(tx: Transaction, uids: readonly string[]): Promise<Record<string, ParticipantInfo>> {
  const known = await tx.repo(users).query({ where: { id: { in: uids } } });
  const byId = new Map(known.map((u) => [u.id, u]));
  const out: Record<string, ParticipantInfo> = {};
  for (const uid of uids) {
    const u = byId.get(uid);
    out[uid] = u === undefined ? { displayName: uid } : { displayName: u.displayName, ...(u.profileImageUrl === undefined ? {} : { profileImageUrl: u.profileImageUrl }) };
  }
  return out;
}

/**
 * Unread messages per conversation: those not sent by the user, minus those of them whose
 * `readBy` holds the user (two grouped counts, no row is loaded).
 */
async function unreadCounts(tx: Transaction, conversationIds: readonly string[], userId: string): Promise<Map<string, number>> {
  const r = tx.repo(messages);
  const incoming = await r.countBy('conversationId', { conversationId: { in: conversationIds }, senderId: { ne: userId } });
  const read = await r.countBy('conversationId', { conversationId: { in: conversationIds }, senderId: { ne: userId }, readBy: { contains: userId } });
  const out = new Map<string, number>();
  for (const [id, n] of incoming) out.set(id, n - (read.get(id) ?? 0));
  return out;
}
