/**
 * The chat's size limits: declared on the collections' fields (so the generated rules check
 * them on the server and the repositories refuse a write past them before storing anything).
 * Lengths count UTF-16 code units (JavaScript's `length`: an emoji counts 2), as the rules do.
 */
export const CHAT_LIMITS = {
  /** A user id (Firebase Auth uids are at most 128 characters). */
  uid: 128,
  /** A display name. */
  displayName: 80,
  /** An email address (RFC 5321's 320). */
  email: 320,
  /** An image URL. */
  url: 2048,
  /** A group's name. */
  groupName: 100,
  /** A message's text. */
  messageText: 4000,
  /** The excerpt of the last message a conversation's preview keeps. */
  previewText: 200,
  /** Participants of a conversation, and users invited to it. */
  participants: 100,
  /** Users in one receipt list of a message (everyone who ever took part can be in it). */
  receipts: 1000,
  /** Keys of a private profile's settings. */
  settings: 50,
  /** How far past the server's time a client may date a message or activity (clock skew), in ms. */
  clockSkewMs: 10 * 60_000,
} as const;
