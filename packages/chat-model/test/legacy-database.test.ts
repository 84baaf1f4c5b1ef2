// A database written by the previous version of the chat collections (emails on public
// profiles, names stored in messages and conversations, the preview as separate fields) opens
// with the current ones: nothing to migrate by hand, old rows still read, new writes work.
import { z } from 'zod';
import { createLocalStore, defineCollection, field } from 'localfire';
import { createNodeSqliteDriver } from 'localfire/node';
import { afterEach, describe, expect, it } from 'vitest';
import { chatCollections, createChatRepositories, directConversationId } from '../src/index.js';
import { T0, tempDir } from './helpers.js';

// The collections as the previous version declared them.
const oldUsers = defineCollection({
  name: 'users',
  path: 'users/{id}',
  schema: z.object({ id: z.string(), email: z.string(), displayName: z.string(), profileImageUrl: z.string().optional(), isOnline: z.boolean(), lastSeen: z.date().optional() }),
  fields: {
    email: field.string(), displayName: field.string(), profileImageUrl: field.string({ optional: true }),
    isOnline: field.boolean({ merge: 'server' }), lastSeen: field.date({ optional: true, merge: 'server' }),
  },
});
const oldConversations = defineCollection({
  name: 'conversations',
  path: 'conversations/{id}',
  schema: z.object({
    id: z.string(), type: z.enum(['direct', 'group']), participantIds: z.array(z.string()), participants: z.record(z.string(), z.object({ displayName: z.string() })),
    groupName: z.string().optional(), groupImageUrl: z.string().optional(), createdBy: z.string().optional(), lastMessageText: z.string().optional(),
    lastMessageSenderId: z.string().optional(), lastMessageSenderName: z.string().optional(), lastMessageTimestamp: z.date().optional(), lastActivityAt: z.date(),
  }),
  fields: {
    type: field.string({ merge: 'immutable' }), participantIds: field.set(), participants: field.json(), groupName: field.string({ optional: true }),
    groupImageUrl: field.string({ optional: true }), createdBy: field.string({ optional: true, merge: 'immutable' }), lastMessageText: field.string({ optional: true }),
    lastMessageSenderId: field.string({ optional: true }), lastMessageSenderName: field.string({ optional: true }), lastMessageTimestamp: field.date({ optional: true }),
    lastActivityAt: field.date(),
  },
  indexes: [['lastActivityAt']],
});
const oldMessages = defineCollection({
  name: 'messages',
  path: 'conversations/{conversationId}/messages/{id}',
  schema: z.object({
    id: z.string(), conversationId: z.string(), senderId: z.string(), senderName: z.string(), text: z.string(), timestamp: z.date(),
    readBy: z.array(z.string()), deliveredTo: z.array(z.string()), localId: z.string(),
  }),
  fields: {
    conversationId: field.string({ merge: 'immutable' }), senderId: field.string({ merge: 'immutable' }), senderName: field.string({ merge: 'immutable' }),
    text: field.string({ merge: 'immutable' }), timestamp: field.date({ merge: 'immutable' }), readBy: field.set(), deliveredTo: field.set(), localId: field.string({ merge: 'immutable' }),
  },
  indexes: [['conversationId', 'timestamp']],
  evictable: true,
});

let dir: ReturnType<typeof tempDir> | undefined;
afterEach(() => dir?.cleanup());

describe('a database of the previous chat version', () => {
  it('opens with the current collections: old rows read (legacy preview and names), new writes go through', async () => {
    dir = tempDir();
    const filename = `${dir.dir}/chat.db`;
    const conversationId = directConversationId('alice', 'bob');
    const old = await createLocalStore({ driver: createNodeSqliteDriver({ filename }), collections: [oldUsers, oldConversations, oldMessages], clock: () => T0 });
    await old.repo(oldUsers).create({ id: 'alice', email: 'alice@example.com', displayName: 'Alice', isOnline: false });
    await old.repo(oldConversations).create({
      id: conversationId, type: 'direct', participantIds: ['alice', 'bob'], participants: { alice: { displayName: 'Alice' }, bob: { displayName: 'Bob' } },
      lastMessageText: 'old hello', lastMessageSenderId: 'bob', lastMessageSenderName: 'Bob', lastMessageTimestamp: new Date(T0), lastActivityAt: new Date(T0),
    });
    await old.repo(oldMessages).create({ id: 'm1', localId: 'm1', conversationId, senderId: 'bob', senderName: 'Bob', text: 'old hello', timestamp: new Date(T0), readBy: ['bob'], deliveredTo: [] });
    await old.close();

    const store = await createLocalStore({ driver: createNodeSqliteDriver({ filename }), collections: chatCollections, clock: () => T0 + 1000 });
    try {
      const chat = createChatRepositories({ store, userId: 'alice', clock: () => T0 + 1000 });
      const conversation = await chat.conversations.read(conversationId);
      expect(conversation).toMatchObject({ lastMessage: { text: 'old hello', senderId: 'bob', sentAt: T0 }, invitedIds: [], participants: { bob: { displayName: 'Bob' } } });
      expect((await chat.messages.read('m1'))?.senderName).toBe('Bob');
      expect(await chat.users.read('alice')).toMatchObject({ id: 'alice', displayName: 'Alice' });
      expect(await chat.users.read('alice')).not.toHaveProperty('email');

      await chat.messages.sendMessage({ conversationId, text: 'new hello', senderId: 'alice' });
      expect((await chat.conversations.read(conversationId))?.lastMessage).toEqual({ text: 'new hello', senderId: 'alice', sentAt: T0 + 1000 });
      await chat.users.updateProfile('alice', { displayName: 'Alicia' });
      await chat.users.updateSettings('alice', { theme: 'dark' });
      expect((await chat.users.read('alice'))?.displayName).toBe('Alicia');
      const group = await chat.conversations.createGroupConversation('alice', ['bob'], 'New');
      expect(group.invitedIds).toEqual(['bob']);
    } finally {
      await store.close();
    }
  });
});
