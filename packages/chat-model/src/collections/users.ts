import { z } from 'zod';
import { defineCollection, field } from 'localfire';
import { CHAT_LIMITS } from './limits.js';

/**
 * A user's public profile and presence: `users/{id}` (id = the auth uid). What other users may
 * read of a person: the display name, the image and presence, and nothing else (the email and
 * settings are in {@link privateProfiles}). Profile fields are last-write-wins; presence
 * (`isOnline`, `lastSeen`) always takes the server's value on pull. Documents written by
 * earlier versions may still hold `email`: it is not read.
 */
export const userSchema = z.object({
  id: z.string().min(1),
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
    displayName: field.string({ maxLength: CHAT_LIMITS.displayName }),
    profileImageUrl: field.string({ optional: true, maxLength: CHAT_LIMITS.url }),
    isOnline: field.boolean({ merge: 'server' }),
    lastSeen: field.date({ optional: true, merge: 'server', maxFutureMs: CHAT_LIMITS.clockSkewMs }),
  },
});

/**
 * What only its owner reads of a user: `privateProfiles/{id}` (id = the auth uid). `email` is
 * the signed-in identity's (the rules accept only `request.auth.token.email`); `settings` are
 * the user's own (a JSON map, at most {@link CHAT_LIMITS.settings} keys).
 */
export const privateProfileSchema = z.object({
  id: z.string().min(1),
  email: z.string().optional(),
  settings: z.record(z.string(), z.unknown()).optional(),
});

/** A private profile row's fields (no bookkeeping). */
export type PrivateProfileEntity = z.infer<typeof privateProfileSchema>;

export const privateProfiles = defineCollection({
  name: 'private_profiles',
  path: 'privateProfiles/{id}',
  schema: privateProfileSchema,
  fields: {
    email: field.string({ optional: true, maxLength: CHAT_LIMITS.email }),
    settings: field.json({ optional: true, maxItems: CHAT_LIMITS.settings }),
  },
});
