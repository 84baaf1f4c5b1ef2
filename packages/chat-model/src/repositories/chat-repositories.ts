import { createConversationRepository } from './conversation-repository.js';
import type { ConversationRepository } from './conversation-repository.js';
import { createMessageRepository } from './message-repository.js';
import type { MessageRepository } from './message-repository.js';
import type { ChatRepositoryOptions } from './options.js';
import { createUserRepository } from './user-repository.js';
import type { UserRepository } from './user-repository.js';

/** The chat domain's repositories over one local store. */
export interface ChatRepositories {
  readonly messages: MessageRepository;
  readonly conversations: ConversationRepository;
  readonly users: UserRepository;
}

/** Creates the three repositories with shared options (store, signed-in user, clock, id generator). */
export function createChatRepositories(options: ChatRepositoryOptions): ChatRepositories {
  return {
    messages: createMessageRepository(options),
    conversations: createConversationRepository(options),
    users: createUserRepository(options),
  };
}
