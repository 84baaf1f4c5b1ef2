import { checkFieldLimits, LocalfireError } from 'localfire';
import type { LiveQuery, Query, Stored, Transaction } from 'localfire';
import { conversations } from '../collections/conversations.js';
import { messages } from '../collections/messages.js';
import type { MessageEntity } from '../collections/messages.js';
import { toMessage } from '../domain/message.js';
import type { Message } from '../domain/message.js';
import { createDomainCrud } from './domain-crud.js';
import type { DomainRepository } from './domain-crud.js';
import { requireConversation, requirePositiveLimit, writeLastMessage } from './last-message.js';
import { mapLive } from './map-live.js';
import { resolveOptions } from './options.js';
import type { ChatRepositoryOptions } from './options.js';
import { checkActingAs, checkMessageCreate, checkMessageDelete, checkReceiptsChange } from './write-guards.js';

export interface SendMessageInput {
  readonly conversationId: string;
  readonly text: string;
  readonly senderId: string;
  /**
   * Ignored: a message does not store its sender's name (others would see whatever name the
   * sender wrote); screens show the sender's profile name. Accepted so older callers compile.
   * @deprecated
   */
  readonly senderName?: string;
}

/**
 * Messages of conversations, read from and written to the local store only. Lists are
 * ordered by (timestamp, id) ascending: oldest first, ties broken by id, so the order is
 * total and paging never skips or repeats a message.
 */
export interface MessageRepository extends DomainRepository<Message, MessageEntity> {
  /** The conversation's messages, live; with `limit`, only the latest `limit` (still oldest first). */
  observeMessages(conversationId: string, options?: { readonly limit?: number }): LiveQuery<Message[]>;
  /** The latest `limit` messages of the conversation, oldest first. */
  getMessages(conversationId: string, limit: number): Promise<Message[]>;
  /**
   * The `limit` messages just before `before`, oldest first. Given a `Message` (the oldest
   * one shown), paging uses the (timestamp, id) keyset: no gaps or repeats even when many
   * messages share a timestamp. Given a `Date`, returns messages strictly older than it.
   */
  getMessagesBefore(conversationId: string, before: Date | Message, limit: number): Promise<Message[]>;
  /**
   * Writes the message (status `sending`, `readBy` = [sender], `timestamp` = the clock, moved
   * 1 ms past the previous send when needed so that messages sent through this repository
   * keep their order even within one millisecond), its outbox entry and the
   * conversation's last-message preview and activity time in ONE local transaction, and
   * returns at once; the sync engine pushes it later.
   * Throws `validation` for blank text or text over `CHAT_LIMITS.messageText` characters,
   * `not-found` for an unknown conversation and `precondition` when the sender is not a
   * participant or not the signed-in user; then nothing is written. The preview keeps an
   * excerpt of the text (`CHAT_LIMITS.previewText` characters).
   */
  sendMessage(input: SendMessageInput): Promise<Message>;
  /**
   * Adds `userId` to each message's `readBy` (a set union, synced as arrayUnion) in one
   * transaction. Throws `not-found` (nothing written) if a message does not exist, and
   * `precondition` when `userId` is not the signed-in user.
   */
  markMessagesAsRead(messageIds: readonly string[], userId: string): Promise<void>;
  /** Adds `userId` to each message's `deliveredTo`, like {@link markMessagesAsRead}. */
  markMessagesAsDelivered(messageIds: readonly string[], userId: string): Promise<void>;
}

type ReceiptField = 'readBy' | 'deliveredTo';

/** Rows read newest first, as messages oldest first. */
function oldestFirst(rows: readonly Stored<MessageEntity>[]): Message[] {
  const out = new Array<Message>(rows.length);
  for (let i = 0; i < rows.length; i++) out[rows.length - 1 - i] = toMessage(rows[i]!);
  return out;
}

export function createMessageRepository(options: ChatRepositoryOptions): MessageRepository {
  const { store, clock, newId, userId: signedIn } = resolveOptions(options);
  const crud = createDomainCrud(store, messages, toMessage, {
    create: (m) => checkMessageCreate(m, signedIn),
    update: (before, after) => checkReceiptsChange(before, after, signedIn),
    delete: (m) => checkMessageDelete(m, signedIn),
  });
  /** Send times strictly increase, so messages sent here keep their order (ids are random). */
  let lastSentAt = Number.NEGATIVE_INFINITY;
  const repo = crud.repo;

  const latest = async (conversationId: string, limit: number, extra: Partial<Query<MessageEntity>> = {}) =>
    oldestFirst(await repo.query({ where: { conversationId }, orderBy: [['timestamp', 'desc']], limit, ...extra }));

  const markReceipts = async (field: ReceiptField, messageIds: readonly string[], userId: string): Promise<void> => {
    const ids = [...new Set(messageIds)];
    if (ids.length === 0) return;
    if (userId === '') throw new LocalfireError('validation', 'userId must not be empty');
    checkActingAs(signedIn, userId, 'write receipts');
    await store.transaction(async (tx: Transaction) => {
      const r = tx.repo(messages);
      const rows = await r.query({ where: { id: { in: ids } } });
      if (rows.length !== ids.length) {
        const found = new Set(rows.map((row) => row.id));
        const missing = ids.filter((id) => !found.has(id));
        throw new LocalfireError('not-found', `messages not found: ${missing.join(', ')}`, { details: { missing } });
      }
      for (const row of rows) {
        if (row[field].includes(userId)) continue;
        await r.addToSet(row.id, field === 'readBy' ? { readBy: [userId] } : { deliveredTo: [userId] });
      }
    });
  };

  return {
    ...crud,
    observeMessages(conversationId, opts = {}) {
      const { limit } = opts;
      if (limit === undefined) {
        return mapLive(repo.observeQuery({ where: { conversationId }, orderBy: [['timestamp', 'asc']] }), (rows) => rows.map(toMessage));
      }
      requirePositiveLimit(limit);
      return mapLive(repo.observeQuery({ where: { conversationId }, orderBy: [['timestamp', 'desc']], limit }), oldestFirst);
    },
    async getMessages(conversationId, limit) {
      requirePositiveLimit(limit);
      return latest(conversationId, limit);
    },
    async getMessagesBefore(conversationId, before, limit) {
      requirePositiveLimit(limit);
      if (before instanceof Date) {
        return latest(conversationId, limit, { where: { conversationId, timestamp: { lt: before } } });
      }
      return latest(conversationId, limit, { after: { id: before.id, timestamp: before.timestamp } });
    },
    async sendMessage(input) {
      const { conversationId, text, senderId } = input;
      if (text.trim() === '') throw new LocalfireError('validation', 'a message needs some text', { details: { conversationId } });
      checkFieldLimits(messages, { text, senderId });
      checkActingAs(signedIn, senderId, 'send a message');
      return store.transaction(async (tx) => {
        const convRepo = tx.repo(conversations);
        const conversation = await requireConversation(convRepo, conversationId);
        if (!conversation.participantIds.includes(senderId)) {
          throw new LocalfireError('precondition', `"${senderId}" is not a participant of conversation "${conversationId}"`, {
            details: { conversationId, senderId },
          });
        }
        const id = newId();
        lastSentAt = Math.max(clock(), lastSentAt + 1);
        const timestamp = new Date(lastSentAt);
        const row = await tx.repo(messages).create({
          id, localId: id, conversationId, senderId, text, timestamp, readBy: [senderId], deliveredTo: [],
        });
        await writeLastMessage(convRepo, conversation, { text, senderId, timestamp });
        return toMessage(row);
      });
    },
    markMessagesAsRead: (messageIds, userId) => markReceipts('readBy', messageIds, userId),
    markMessagesAsDelivered: (messageIds, userId) => markReceipts('deliveredTo', messageIds, userId),
  };
}
