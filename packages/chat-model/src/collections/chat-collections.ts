import { conversations } from './conversations.js';
import { messages } from './messages.js';
import { users } from './users.js';

/** Every collection of the chat domain, for `createLocalStore({ collections: chatCollections })`. */
export const chatCollections = [users, conversations, messages] as const;
