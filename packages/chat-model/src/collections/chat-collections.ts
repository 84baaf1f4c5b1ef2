import { conversations } from './conversations.js';
import { messages } from './messages.js';
import { privateProfiles, users } from './users.js';

/**
 * Every collection of the chat domain, for `createLocalStore({ collections: chatCollections })`
 * and for `localfire rules` (the validation block of firestore.rules is generated from them).
 */
export const chatCollections = [users, privateProfiles, conversations, messages] as const;
