import { LocalfireError } from 'localfire';
import type { Repository, Stored } from 'localfire';
import { CHAT_LIMITS } from '../collections/limits.js';
import type { ConversationEntity } from '../collections/conversations.js';

/** The part of a message a conversation's preview shows. */
export interface PreviewSource {
  readonly text: string;
  readonly senderId: string;
  readonly timestamp: Date;
}

/**
 * At most `max` characters of `text` (UTF-16 code units, as the rules count), its line breaks
 * and runs of spaces folded to one space; a cut one ends with `…` (within the limit) and never
 * splits a character.
 */
export function excerpt(text: string, max: number = CHAT_LIMITS.previewText): string {
  const folded = text.replace(/\s+/g, ' ').trim();
  if (folded.length <= max) return folded;
  let cut = '';
  for (const char of folded) {
    if (cut.length + char.length > max - 1) break;
    cut += char;
  }
  return `${cut.trimEnd()}…`;
}

/**
 * Sets the conversation's last-message preview (a bounded excerpt, the sender and the time,
 * as one field) and moves `lastActivityAt` forward (never back) to the message time. Runs
 * inside the caller's transaction.
 */
export async function writeLastMessage(
  repo: Repository<ConversationEntity>,
  conversation: Stored<ConversationEntity>,
  message: PreviewSource,
): Promise<Stored<ConversationEntity>> {
  const activity = Math.max(conversation.lastActivityAt.getTime(), message.timestamp.getTime());
  return repo.update(conversation.id, {
    lastMessage: { text: excerpt(message.text), senderId: message.senderId, sentAt: message.timestamp.getTime() },
    lastActivityAt: activity === conversation.lastActivityAt.getTime() ? conversation.lastActivityAt : message.timestamp,
  });
}

export async function requireConversation(repo: Repository<ConversationEntity>, conversationId: string): Promise<Stored<ConversationEntity>> {
  const conversation = await repo.read(conversationId);
  if (conversation === undefined) {
    throw new LocalfireError('not-found', `conversation "${conversationId}" does not exist`, { details: { conversationId } });
  }
  return conversation;
}

export function requirePositiveLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new LocalfireError('validation', `limit must be a positive integer, got ${limit}`, { details: { limit } });
  }
}
