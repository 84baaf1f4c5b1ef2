import { z } from 'zod';
import { defineCollection, field } from 'localfire';
import { CHAT_LIMITS } from './limits.js';

const nonBlank = (what: string) => z.string().refine((s) => s.trim().length > 0, `${what} must not be empty`);

/**
 * A chat message as stored: `conversations/{conversationId}/messages/{id}`.
 * Messages are append-only: everything but the receipts is immutable once written.
 * Delivery status is not stored; it is derived from the receipts and the row's sync state
 * (see `deriveMessageStatus`). The sender's name is not stored: it is resolved from the
 * sender's profile (`senderName` is read from documents of earlier versions only).
 */
export const messageSchema = z.object({
  id: z.string().min(1),
  conversationId: z.string().min(1),
  senderId: z.string().min(1),
  senderName: z.string().optional(),
  text: nonBlank('text'),
  /** The sender's client time when sent (the rules refuse one more than the clock skew ahead of the server). */
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
    senderId: field.string({ merge: 'immutable', maxLength: CHAT_LIMITS.uid }),
    senderName: field.string({ optional: true, merge: 'immutable', legacy: true }),
    text: field.string({ merge: 'immutable', maxLength: CHAT_LIMITS.messageText }),
    timestamp: field.date({ merge: 'immutable', maxFutureMs: CHAT_LIMITS.clockSkewMs }),
    readBy: field.set({ maxItems: CHAT_LIMITS.receipts }),
    deliveredTo: field.set({ maxItems: CHAT_LIMITS.receipts }),
    localId: field.string({ merge: 'immutable', maxLength: CHAT_LIMITS.uid }),
  },
  indexes: [['conversationId', 'timestamp']],
  evictable: true,
});
