import { LocalfireError } from 'localfire';
import type { Repository, Stored } from 'localfire';
import type { ConversationEntity } from '../collections/conversations.js';

/** The part of a message a conversation's preview shows. */
export interface LastMessagePreview {
  readonly text: string;
  readonly senderId: string;
  readonly senderName: string;
  readonly timestamp: Date;
}

/**
 * Sets the conversation's last-message preview and moves `lastActivityAt` forward (never
 * back) to the message time. Runs inside the caller's transaction.
 */
export async function writeLastMessage(
  repo: Repository<ConversationEntity>,
  conversation: Stored<ConversationEntity>,
  preview: LastMessagePreview,
): Promise<Stored<ConversationEntity>> {
  const activity = Math.max(conversation.lastActivityAt.getTime(), preview.timestamp.getTime());
  return repo.update(conversation.id, {
    lastMessageText: preview.text,
    lastMessageSenderId: preview.senderId,
    lastMessageSenderName: preview.senderName,
    lastMessageTimestamp: preview.timestamp,
    lastActivityAt: activity === conversation.lastActivityAt.getTime() ? conversation.lastActivityAt : preview.timestamp,
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
