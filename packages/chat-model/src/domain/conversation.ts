import type { Stored, SyncStatus } from 'localfire';
import type { z } from 'zod';
import type { ConversationEntity, participantInfoSchema } from '../collections/conversations.js';
import type { ReadonlyEntity } from './readonly-entity.js';

export type ConversationType = ConversationEntity['type'];

/** What a conversation knows about one participant (more keys may be present). */
export type ParticipantInfo = z.infer<typeof participantInfoSchema>;

/**
 * A conversation as the app sees it: a plain readonly object with the collection's fields
 * (`lastActivityAt` orders the list, the `lastMessage*` fields are its preview) and the
 * row's sync state.
 */
export interface Conversation extends ReadonlyEntity<ConversationEntity> {
  readonly syncStatus: SyncStatus;
}

/** A conversation in a user's list: with the number of messages that user has not read. */
export interface ConversationSummary extends Conversation {
  /** Messages not sent by the user and not in their `readBy`. */
  readonly unreadCount: number;
}

/** Maps a stored conversation row to the domain object. */
export function toConversation(row: Stored<ConversationEntity>): Conversation {
  const { $meta, ...fields } = row;
  return { ...fields, syncStatus: $meta.syncStatus };
}
