import type { Stored, SyncStatus } from 'localfire';
import type { z } from 'zod';
import type { ConversationEntity, lastMessagePreviewSchema, participantInfoSchema } from '../collections/conversations.js';
import type { ReadonlyEntity } from './readonly-entity.js';

export type ConversationType = ConversationEntity['type'];

/** What a conversation of an earlier version kept about one participant (more keys may be present). */
export type ParticipantInfo = z.infer<typeof participantInfoSchema>;

/** The conversation list's preview of the last message: an excerpt, its sender, its time (ms). */
export type LastMessagePreview = z.infer<typeof lastMessagePreviewSchema>;

/**
 * A conversation as the app sees it: a plain readonly object with the collection's fields
 * (`lastActivityAt` orders the list, `lastMessage` is its preview, also for documents of
 * earlier versions that kept it in `lastMessageText` / `lastMessageSenderId` /
 * `lastMessageTimestamp`), `invitedIds` (empty when none) and the row's sync state.
 */
export interface Conversation extends ReadonlyEntity<Omit<ConversationEntity, 'invitedIds'>> {
  readonly invitedIds: readonly string[];
  readonly syncStatus: SyncStatus;
}

/** A conversation in a user's list: with the number of messages that user has not read. */
export interface ConversationSummary extends Conversation {
  /** Messages not sent by the user and not in their `readBy`. */
  readonly unreadCount: number;
}

/** Maps a stored conversation row to the domain object. */
export function toConversation(row: Stored<ConversationEntity>): Conversation {
  const { $meta, invitedIds, ...fields } = row;
  const lastMessage = fields.lastMessage ?? legacyPreview(fields);
  return { ...fields, ...(lastMessage === undefined ? {} : { lastMessage }), invitedIds: invitedIds ?? [], syncStatus: $meta.syncStatus };
}

function legacyPreview(c: Omit<ConversationEntity, 'invitedIds'>): LastMessagePreview | undefined {
  if (c.lastMessageText === undefined || c.lastMessageSenderId === undefined) return undefined;
  return { text: c.lastMessageText, senderId: c.lastMessageSenderId, sentAt: (c.lastMessageTimestamp ?? c.lastActivityAt).getTime() };
}
