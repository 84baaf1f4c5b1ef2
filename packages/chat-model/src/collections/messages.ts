import { z } from 'zod';
import { defineCollection, field } from 'localfire';

const nonBlank = (what: string) => z.string().refine((s) => s.trim().length > 0, `${what} must not be empty`);

/**
 * A chat message as stored: `conversations/{conversationId}/messages/{id}`.
 * Messages are append-only: everything but the receipts is immutable once written.
 * Delivery status is not stored; it is derived from the receipts and the row's sync state
 * (see `deriveMessageStatus`).
 */
export const messageSchema = z.object({
  id: z.string().min(1),
  conversationId: z.string().min(1),
  senderId: z.string().min(1),
  senderName: z.string(),
  text: nonBlank('text'),
  /** The sender's client time when sent. */
  timestamp: z.date(),
  /** Users who have read the message (the sender is in it from the start). Grows by union. */
  readBy: z.array(z.string()),
  /** Users whose device has received the message. Grows by union. */
  deliveredTo: z.array(z.string()),
  /** The id the sending device gave the message before any server saw it (equals `id` for local sends). */
  localId: z.string(),
});

/** A message row's fields (no bookkeeping). */
export type MessageEntity = z.infer<typeof messageSchema>;

export const messages = defineCollection({
  name: 'messages',
  path: 'conversations/{conversationId}/messages/{id}',
  schema: messageSchema,
  fields: {
    conversationId: field.string({ merge: 'immutable' }),
    senderId: field.string({ merge: 'immutable' }),
    senderName: field.string({ merge: 'immutable' }),
    text: field.string({ merge: 'immutable' }),
    timestamp: field.date({ merge: 'immutable' }),
    readBy: field.set(),
    deliveredTo: field.set(),
    localId: field.string({ merge: 'immutable' }),
  },
  indexes: [['conversationId', 'timestamp']],
  evictable: true,
});
