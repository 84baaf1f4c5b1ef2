import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isLocalfireError } from 'localfire';
import { CHAT_LIMITS, conversations, createMessageRepository, messages } from '../src/index.js';
import type { Conversation } from '../src/index.js';
import { openChat, record, seedUsers, T0 } from './helpers.js';
import type { ChatFixture } from './helpers.js';

describe('MessageRepository.sendMessage', () => {
  let chat: ChatFixture;
  let conv: Conversation;

  beforeEach(async () => {
    chat = await openChat();
    await seedUsers(chat);
    conv = await chat.conversations.createDirectConversation('alice', 'bob');
    chat.advance(1000);
  });
  afterEach(() => chat.close());

  it('returns the message as sending, with the sender in readBy and the injected time', async () => {
    const msg = await chat.messages.sendMessage({ conversationId: conv.id, text: 'hi bob', senderId: 'alice' });
    expect(msg).toMatchObject({
      conversationId: conv.id,
      senderId: 'alice',
      text: 'hi bob',
      status: 'sending',
      syncStatus: 'pending',
      readBy: ['alice'],
      deliveredTo: [],
    });
    expect(msg.timestamp).toEqual(new Date(T0 + 1000));
    expect(msg.localId).toBe(msg.id);
    expect(await chat.messages.read(msg.id)).toEqual(msg);
  });

  it('writes the message, the conversation preview and both outbox entries in one transaction', async () => {
    const both = record(
      chat.store.live(async (tx) => ({
        count: await tx.repo(messages).count({ conversationId: conv.id }),
        preview: (await tx.repo(conversations).read(conv.id))?.lastMessage?.text ?? null,
      })),
    );
    await both.waitForCount(1);
    expect(both.values[0]).toEqual({ count: 0, preview: null });
    const outboxBefore = (await chat.store.sync.listOutbox()).length;

    const msg = await chat.messages.sendMessage({ conversationId: conv.id, text: 'hello', senderId: 'alice' });

    await both.waitForCount(2);
    await both.settle();
    // One emission for the whole transaction: never a state with the message but no preview.
    expect(both.values).toEqual([{ count: 0, preview: null }, { count: 1, preview: 'hello' }]);
    both.stop();

    const updated = await chat.conversations.read(conv.id);
    expect(updated).toMatchObject({
      lastMessage: { text: 'hello', senderId: 'alice', sentAt: msg.timestamp.getTime() },
      lastActivityAt: msg.timestamp,
    });
    // Names are not stored in shared documents: screens resolve them from the profiles.
    expect(updated).not.toHaveProperty('lastMessageSenderName');
    expect(msg).not.toHaveProperty('senderName');
    const outbox = (await chat.store.sync.listOutbox()).slice(outboxBefore);
    expect(outbox.map((e) => [e.collection, e.docId])).toEqual(
      expect.arrayContaining([
        ['messages', msg.id],
        ['conversations', conv.id],
      ]),
    );
    expect(outbox).toHaveLength(2);
    const messageEntry = outbox.find((e) => e.collection === 'messages')!;
    expect(messageEntry.path).toBe(`conversations/${conv.id}/messages/${msg.id}`);
    expect(messageEntry.fields.text).toEqual({ op: 'set', value: 'hello' });
  });

  it('defaults to the real clock and random UUIDs', async () => {
    const repo = createMessageRepository({ store: chat.store });
    const before = Date.now();
    const msg = await repo.sendMessage({ conversationId: conv.id, text: 'hi', senderId: 'bob' });
    expect(msg.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(msg.timestamp.getTime()).toBeGreaterThanOrEqual(before);
  });

  it('never moves lastActivityAt back when the sender clock is behind', async () => {
    await chat.conversations.update(conv.id, { lastActivityAt: new Date(T0 + 50_000) });
    const msg = await chat.messages.sendMessage({ conversationId: conv.id, text: 'late', senderId: 'bob' });
    const updated = await chat.conversations.read(conv.id);
    expect(updated?.lastActivityAt).toEqual(new Date(T0 + 50_000));
    expect(updated?.lastMessage?.sentAt).toBe(msg.timestamp.getTime());
  });

  describe('bad input writes nothing', () => {
    const cases = [
      { name: 'empty text', kind: 'validation', input: () => ({ conversationId: conv.id, text: '', senderId: 'alice' }) },
      { name: 'whitespace text', kind: 'validation', input: () => ({ conversationId: conv.id, text: ' \n\t ', senderId: 'alice' }) },
      { name: 'unknown conversation', kind: 'not-found', input: () => ({ conversationId: 'nope', text: 'hi', senderId: 'alice' }) },
      { name: 'sender not a participant', kind: 'precondition', input: () => ({ conversationId: conv.id, text: 'hi', senderId: 'carol' }) },
      { name: 'text over the limit', kind: 'validation', input: () => ({ conversationId: conv.id, text: '😀'.repeat(CHAT_LIMITS.messageText / 2 + 1), senderId: 'alice' }) },
    ] as const;

    it.each(cases)('$name -> $kind', async ({ kind, input }) => {
      const outboxBefore = await chat.store.sync.listOutbox();
      const convBefore = await chat.conversations.read(conv.id);
      const error: unknown = await chat.messages.sendMessage(input()).catch((e: unknown) => e);
      expect(isLocalfireError(error, kind)).toBe(true);
      expect(await chat.messages.readAll()).toEqual([]);
      expect(await chat.store.sync.listOutbox()).toEqual(outboxBefore);
      expect(await chat.conversations.read(conv.id)).toEqual(convBefore);
    });
  });

  it('keeps a bounded excerpt of the last message in the preview, not its whole text', async () => {
    const text = `${'😀'.repeat(CHAT_LIMITS.messageText / 2 - 10)}\n\n  ${'tail '.repeat(2)}`;
    const msg = await chat.messages.sendMessage({ conversationId: conv.id, text, senderId: 'alice' });
    expect(msg.text).toBe(text);
    const preview = (await chat.conversations.read(conv.id))?.lastMessage?.text ?? '';
    // 99 emoji (two UTF-16 units each) and the ellipsis: within the limit, no emoji split.
    expect(preview).toBe(`${'😀'.repeat(CHAT_LIMITS.previewText / 2 - 1)}…`);
    await chat.messages.sendMessage({ conversationId: conv.id, text: 'short\nand  spaced ', senderId: 'alice' });
    expect((await chat.conversations.read(conv.id))?.lastMessage?.text).toBe('short and spaced');
  });

  it('rejects a limit that is not a positive integer', async () => {
    for (const limit of [0, -1, 1.5]) {
      await expect(chat.messages.getMessages(conv.id, limit)).rejects.toMatchObject({ kind: 'validation' });
    }
    expect(() => chat.messages.observeMessages(conv.id, { limit: 0 })).toThrow(expect.objectContaining({ kind: 'validation' }));
  });
});
