// The chat domain on localfire's public API. Named exports only.
export { messages, messageSchema } from './collections/messages.js';
export type { MessageEntity } from './collections/messages.js';
export { conversations, conversationSchema, conversationTypeSchema, lastMessagePreviewSchema, participantInfoSchema } from './collections/conversations.js';
export type { ConversationEntity } from './collections/conversations.js';
export { privateProfiles, privateProfileSchema, users, userSchema } from './collections/users.js';
export type { PrivateProfileEntity, UserEntity } from './collections/users.js';
export { CHAT_LIMITS } from './collections/limits.js';
export { chatCollections } from './collections/chat-collections.js';

export { deriveMessageStatus, toMessage } from './domain/message.js';
export type { Message, MessageStatus } from './domain/message.js';
export { toConversation } from './domain/conversation.js';
export type { Conversation, ConversationSummary, ConversationType, LastMessagePreview, ParticipantInfo } from './domain/conversation.js';
export { toPrivateProfile, toUser } from './domain/user.js';
export type { PrivateProfile, User } from './domain/user.js';
export { directConversationId } from './domain/direct-conversation-id.js';

export type { ChatRepositoryOptions } from './repositories/options.js';
export type { DomainRepository } from './repositories/domain-crud.js';
export { createMessageRepository } from './repositories/message-repository.js';
export type { MessageRepository, SendMessageInput } from './repositories/message-repository.js';
export { createConversationRepository } from './repositories/conversation-repository.js';
export type { ConversationRepository } from './repositories/conversation-repository.js';
export { createUserRepository } from './repositories/user-repository.js';
export type { ProfileUpdate, UserRepository } from './repositories/user-repository.js';
export { createChatRepositories } from './repositories/chat-repositories.js';
export { excerpt } from './repositories/last-message.js';
export type { ChatRepositories } from './repositories/chat-repositories.js';

export { chatSyncScopes, USER_ID_CHUNK } from './sync/chat-sync-scopes.js';
export { createChatSync } from './sync/create-chat-sync.js';
export type { ChatSyncOptions } from './sync/create-chat-sync.js';
