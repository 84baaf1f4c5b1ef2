import { z } from 'zod';
import { defineCollection, field } from 'localfire';

/** What a conversation keeps about each participant (open for additions). */
export const participantInfoSchema = z.looseObject({
  displayName: z.string(),
  profileImageUrl: z.string().optional(),
});

export const conversationTypeSchema = z.enum(['direct', 'group']);

/**
 * A conversation as stored: `conversations/{id}`. The last-message fields are a
 * denormalised preview for the conversation list; `lastActivityAt` orders it.
 */
export const conversationSchema = z.object({
  id: z.string().min(1),
  type: conversationTypeSchema,
  participantIds: z.array(z.string().min(1)).min(1),
  participants: z.record(z.string(), participantInfoSchema),
  groupName: z.string().optional(),
  groupImageUrl: z.string().optional(),
  createdBy: z.string().optional(),
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
    type: field.string({ merge: 'immutable' }),
    participantIds: field.set(),
    participants: field.json(),
    groupName: field.string({ optional: true }),
    groupImageUrl: field.string({ optional: true }),
    createdBy: field.string({ optional: true, merge: 'immutable' }),
    lastMessageText: field.string({ optional: true }),
    lastMessageSenderId: field.string({ optional: true }),
    lastMessageSenderName: field.string({ optional: true }),
    lastMessageTimestamp: field.date({ optional: true }),
    lastActivityAt: field.date(),
  },
  indexes: [['lastActivityAt']],
});
