import { z } from 'zod';
import { defineCollection, field } from 'localfire';

/**
 * A user profile and presence: `users/{id}` (id = the auth uid). Profile fields are
 * last-write-wins; presence (`isOnline`, `lastSeen`) always takes the server's value on pull.
 */
export const userSchema = z.object({
  id: z.string().min(1),
  email: z.string(),
  displayName: z.string(),
  profileImageUrl: z.string().optional(),
  isOnline: z.boolean(),
  lastSeen: z.date().optional(),
});

/** A user row's fields (no bookkeeping). */
export type UserEntity = z.infer<typeof userSchema>;

export const users = defineCollection({
  name: 'users',
  path: 'users/{id}',
  schema: userSchema,
  fields: {
    email: field.string(),
    displayName: field.string(),
    profileImageUrl: field.string({ optional: true }),
    isOnline: field.boolean({ merge: 'server' }),
    lastSeen: field.date({ optional: true, merge: 'server' }),
  },
});
