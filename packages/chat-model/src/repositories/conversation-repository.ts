import { checkFieldLimits, LocalfireError } from 'localfire';
import type { LiveQuery, Transaction } from 'localfire';
import { conversations } from '../collections/conversations.js';
import type { ConversationEntity } from '../collections/conversations.js';
import { messages } from '../collections/messages.js';
import { toConversation } from '../domain/conversation.js';
import type { Conversation, ConversationSummary } from '../domain/conversation.js';
import { directConversationId } from '../domain/direct-conversation-id.js';
import type { Message } from '../domain/message.js';
import { createDomainCrud } from './domain-crud.js';
import type { DomainRepository } from './domain-crud.js';
import { requireConversation, writeLastMessage } from './last-message.js';
import { resolveOptions } from './options.js';
import type { ChatRepositoryOptions } from './options.js';
import { checkActingAs, checkConversationChange, checkConversationCreate } from './write-guards.js';

/**
 * Conversations, read from and written to the local store only. Every write is checked as the
 * security rules check it (see write-guards.ts): what the rules would refuse is refused here
 * with `precondition` (or `validation` for a limit) and writes nothing.
 */
export interface ConversationRepository extends DomainRepository<Conversation, ConversationEntity> {
  /**
   * The user's conversations, live, latest activity first (ties by id), each with the
   * number of messages the user has not read (not sent by them, not in their `readBy`).
   * Re-emits when a conversation or a message of the store changes that alters the list.
   * Groups the user is only invited to are not in it (see {@link observeInvitations}).
   */
  observeConversations(userId: string): LiveQuery<ConversationSummary[]>;
  /** The groups `userId` is invited to and not (yet) a member of, live, latest activity first. */
  observeInvitations(userId: string): LiveQuery<Conversation[]>;
  /**
   * The direct conversation of the two users, created if it does not exist yet. Its id is
   * deterministic ({@link directConversationId}): two devices get the same conversation.
   * Throws `validation` for an empty uid or a conversation with oneself.
   */
  createDirectConversation(userId: string, otherUserId: string): Promise<Conversation>;
  /**
   * A new group owned by its creator, its only member at first; `inviteeIds` (duplicates and
   * the creator dropped) are invited, and each becomes a member by accepting. Throws
   * `validation` with nobody to invite, an empty uid, or a blank or too long group name.
   */
  createGroupConversation(creatorId: string, inviteeIds: readonly string[], groupName?: string): Promise<Conversation>;
  /** A member invites users to a group (members and the already invited are skipped). Throws `not-found`, or `precondition` for a direct conversation or a non-member. */
  invite(conversationId: string, inviterId: string, inviteeIds: readonly string[]): Promise<Conversation>;
  /** The invitee joins the group: a member from now on, reading its messages. Throws `not-found`, or `precondition` without an invitation. */
  acceptInvitation(conversationId: string, userId: string): Promise<Conversation>;
  /** The invitee declines: the invitation is dropped. Throws `not-found`, or `precondition` without an invitation. */
  declineInvitation(conversationId: string, userId: string): Promise<Conversation>;
  /**
   * Removes `userId` from a group: `actorId` leaving (the same user), or the group's owner
   * removing a member. Throws `not-found`, or `precondition` for a direct conversation or when
   * a member other than the owner removes someone else.
   */
  removeParticipant(conversationId: string, actorId: string, userId: string): Promise<Conversation>;
  /**
   * Sets the last-message preview from `message` (an excerpt of its text) and moves the
   * activity time forward. Throws `not-found` for an unknown conversation, `precondition` when
   * the message is not the signed-in user's.
   */
  updateLastMessage(conversationId: string, message: Message): Promise<void>;
}

export function createConversationRepository(options: ChatRepositoryOptions): ConversationRepository {
  const { store, clock, newId, userId: signedIn } = resolveOptions(options);
  const crud = createDomainCrud(store, conversations, toConversation, {
    create: (c) => checkConversationCreate(c, signedIn),
    update: (before, after) => checkConversationChange(before, after, signedIn),
  });

  /** Reads, changes and writes one conversation, checked as `actor`, in one transaction. */
  const change = async (conversationId: string, actor: string, next: (c: ConversationEntity) => Partial<ConversationEntity> | null, joins = false): Promise<Conversation> => {
    checkActingAs(signedIn, actor, 'change a conversation');
    return store.transaction(async (tx) => {
      const r = tx.repo(conversations);
      const row = await requireConversation(r, conversationId);
      const { $meta: _meta, ...before } = row;
      const patch = next(before);
      if (patch === null) return toConversation(row);
      const after = { ...before, ...patch };
      checkConversationChange(before, after, actor);
      checkFieldLimits(conversations, patch);
      if (joins) {
        const { participantIds: _p, ...rest } = patch;
        await r.addToSet(conversationId, { participantIds: [actor] });
        return toConversation(Object.keys(rest).length === 0 ? await r.read(conversationId) ?? row : await r.update(conversationId, rest));
      }
      return toConversation(await r.update(conversationId, patch));
    });
  };

  const requireGroup = (c: ConversationEntity): void => {
    if (c.type !== 'group') throw new LocalfireError('precondition', 'the participants of a direct conversation never change', { details: { conversationId: c.id } });
  };

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
    observeInvitations(userId) {
      return store.live(async (tx) => {
        const rows = await tx.repo(conversations).query({ where: { invitedIds: { contains: userId } }, orderBy: [['lastActivityAt', 'desc']] });
        return rows.filter((r) => !r.participantIds.includes(userId)).map(toConversation);
      });
    },
    async createDirectConversation(userId, otherUserId) {
      requireUid(userId);
      requireUid(otherUserId);
      if (userId === otherUserId) throw new LocalfireError('validation', 'a direct conversation needs two different users');
      checkActingAs(signedIn, userId, 'start a conversation');
      const id = directConversationId(userId, otherUserId);
      return store.transaction(async (tx) => {
        const r = tx.repo(conversations);
        const existing = await r.read(id);
        if (existing !== undefined) return toConversation(existing);
        const entity: ConversationEntity = { id, type: 'direct', participantIds: [userId, otherUserId].sort(), lastActivityAt: new Date(clock()) };
        checkConversationCreate(entity, userId);
        return toConversation(await r.create(entity));
      });
    },
    async createGroupConversation(creatorId, inviteeIds, groupName) {
      requireUid(creatorId);
      const invited = [...new Set(inviteeIds)].filter((id) => id !== creatorId);
      invited.forEach(requireUid);
      if (invited.length === 0) throw new LocalfireError('validation', 'a group needs at least one participant besides its creator');
      if (groupName !== undefined && groupName.trim() === '') throw new LocalfireError('validation', 'a group name must not be blank');
      checkActingAs(signedIn, creatorId, 'create a group');
      const entity: ConversationEntity = {
        id: newId(),
        type: 'group',
        participantIds: [creatorId],
        invitedIds: invited,
        ...(groupName === undefined ? {} : { groupName }),
        createdBy: creatorId,
        lastActivityAt: new Date(clock()),
      };
      checkFieldLimits(conversations, entity);
      checkConversationCreate(entity, creatorId);
      return toConversation(await store.repo(conversations).create(entity));
    },
    async invite(conversationId, inviterId, inviteeIds) {
      inviteeIds.forEach(requireUid);
      return change(conversationId, inviterId, (c) => {
        requireGroup(c);
        const fresh = [...new Set(inviteeIds)].filter((id) => !c.participantIds.includes(id) && !(c.invitedIds ?? []).includes(id));
        return fresh.length === 0 ? null : { invitedIds: [...(c.invitedIds ?? []), ...fresh] };
      });
    },
    acceptInvitation(conversationId, userId) {
      return change(conversationId, userId, (c) => {
        requireInvited(c, userId);
        return { participantIds: [...c.participantIds, userId], invitedIds: (c.invitedIds ?? []).filter((id) => id !== userId) };
      }, true);
    },
    declineInvitation(conversationId, userId) {
      return change(conversationId, userId, (c) => {
        requireInvited(c, userId);
        return { invitedIds: (c.invitedIds ?? []).filter((id) => id !== userId) };
      });
    },
    removeParticipant(conversationId, actorId, userId) {
      return change(conversationId, actorId, (c) => {
        requireGroup(c);
        // Off both lists: a user still listed as invited could join again by accepting.
        return c.participantIds.includes(userId) ? { participantIds: c.participantIds.filter((id) => id !== userId), invitedIds: (c.invitedIds ?? []).filter((id) => id !== userId) } : null;
      });
    },
    async updateLastMessage(conversationId, message) {
      checkActingAs(signedIn, message.senderId, 'set the preview');
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

function requireInvited(c: ConversationEntity, userId: string): void {
  if (!(c.invitedIds ?? []).includes(userId) || c.participantIds.includes(userId)) {
    throw new LocalfireError('precondition', `"${userId}" has no invitation to conversation "${c.id}"`, { details: { conversationId: c.id, userId } });
  }
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
