import { z } from 'zod';
import { defineCollection, field } from 'localfire';
import { CHAT_LIMITS } from './limits.js';

/** What earlier versions kept about each participant in the conversation (legacy: read, never written). */
export const participantInfoSchema = z.looseObject({
  displayName: z.string(),
  profileImageUrl: z.string().optional(),
});

export const conversationTypeSchema = z.enum(['direct', 'group']);

/**
 * The conversation list's preview of the last message: an excerpt of its text (at most
 * {@link CHAT_LIMITS.previewText} characters), its sender and its time (ms since the epoch).
 * One field, so that a write always carries the sender with the text (the rules check that the
 * sender is the writer).
 */
export const lastMessagePreviewSchema = z.object({
  text: z.string(),
  senderId: z.string(),
  sentAt: z.number(),
});

/**
 * A conversation as stored: `conversations/{id}`. A direct conversation's id is derived from
 * its pair (`directConversationId`) and its participants never change. A group has an owner
 * (`createdBy`) and grows by consent: members invite (`invitedIds`), the invitee accepts (and
 * moves to `participantIds`) or declines. `lastMessage` is the list's preview; `lastActivityAt`
 * orders the list. Names are not stored here: they are resolved from the users' profiles.
 * `participants` and `lastMessageText` / `lastMessageSenderId` / `lastMessageSenderName` /
 * `lastMessageTimestamp` are read from documents of earlier versions only.
 */
export const conversationSchema = z.object({
  id: z.string().min(1),
  type: conversationTypeSchema,
  participantIds: z.array(z.string().min(1)).min(1),
  invitedIds: z.array(z.string().min(1)).optional(),
  participants: z.record(z.string(), participantInfoSchema).optional(),
  groupName: z.string().optional(),
  groupImageUrl: z.string().optional(),
  createdBy: z.string().optional(),
  lastMessage: lastMessagePreviewSchema.optional(),
  lastMessageText: z.string().optional(),
  lastMessageSenderId: z.string().optional(),
  lastMessageSenderName: z.string().optional(),
  lastMessageTimestamp: z.date().optional(),
  lastActivityAt: z.date(),
});

/** A conversation row's fields (no bookkeeping). */
export type ConversationEntity = z.infer<typeof conversationSchema>;

export const conversations = defineCollection({
  name: 'conversations',
  path: 'conversations/{id}',
  schema: conversationSchema,
  fields: {
    type: field.string({ merge: 'immutable', maxLength: 8 }),
    participantIds: field.set({ maxItems: CHAT_LIMITS.participants }),
    invitedIds: field.set({ optional: true, maxItems: CHAT_LIMITS.participants }),
    participants: field.json({ optional: true, legacy: true }),
    groupName: field.string({ optional: true, maxLength: CHAT_LIMITS.groupName }),
    groupImageUrl: field.string({ optional: true, maxLength: CHAT_LIMITS.url }),
    createdBy: field.string({ optional: true, merge: 'immutable', maxLength: CHAT_LIMITS.uid }),
    lastMessage: field.json({ optional: true, maxItems: 3 }),
    lastMessageText: field.string({ optional: true, legacy: true }),
    lastMessageSenderId: field.string({ optional: true, legacy: true }),
    lastMessageSenderName: field.string({ optional: true, legacy: true }),
    lastMessageTimestamp: field.date({ optional: true, legacy: true }),
    lastActivityAt: field.date({ maxFutureMs: CHAT_LIMITS.clockSkewMs }),
  },
  indexes: [['lastActivityAt']],
});
