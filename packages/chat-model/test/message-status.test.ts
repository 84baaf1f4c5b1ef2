import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deriveMessageStatus } from '../src/index.js';
import type { Conversation, MessageStatus } from '../src/index.js';
import { openChat, record, seedUsers } from './helpers.js';
import type { ChatFixture } from './helpers.js';

describe('deriveMessageStatus', () => {
  const server = new Date(1);
  const cases: [string, Parameters<typeof deriveMessageStatus>, MessageStatus][] = [
    ['new local write', [{ senderId: 'a', readBy: ['a'], deliveredTo: [] }, { syncStatus: 'pending', serverTimestamp: null }], 'sending'],
    ['push gave up', [{ senderId: 'a', readBy: ['a'], deliveredTo: [] }, { syncStatus: 'failed', serverTimestamp: null }], 'failed'],
    ['acknowledged', [{ senderId: 'a', readBy: ['a'], deliveredTo: ['a'] }, { syncStatus: 'synced', serverTimestamp: server }], 'sent'],
    ['delivered to another', [{ senderId: 'a', readBy: ['a'], deliveredTo: ['b'] }, { syncStatus: 'synced', serverTimestamp: server }], 'delivered'],
    ['read by another', [{ senderId: 'a', readBy: ['a', 'b'], deliveredTo: [] }, { syncStatus: 'synced', serverTimestamp: server }], 'read'],
    ['read and delivered', [{ senderId: 'a', readBy: ['b'], deliveredTo: ['b'] }, { syncStatus: 'synced', serverTimestamp: server }], 'read'],
    ['pending receipt on a known message', [{ senderId: 'a', readBy: ['a', 'b'], deliveredTo: [] }, { syncStatus: 'pending', serverTimestamp: server }], 'read'],
    ['failed receipt on a known message', [{ senderId: 'a', readBy: ['a'], deliveredTo: ['b'] }, { syncStatus: 'failed', serverTimestamp: server }], 'delivered'],
  ];
  it.each(cases)('%s', (_name, args, expected) => {
    expect(deriveMessageStatus(...args)).toBe(expected);
  });
});

describe('message status through the store', () => {
  let chat: ChatFixture;
  let conv: Conversation;
  beforeEach(async () => {
    chat = await openChat();
    await seedUsers(chat);
    conv = await chat.conversations.createDirectConversation('alice', 'bob');
  });
  afterEach(() => chat.close());

  /** Acknowledges every ready outbox entry, as the push loop does after a successful batch. */
  const ackAll = async () => {
    const ready = await chat.store.sync.readyWrites(chat.now(), 500);
    await chat.store.sync.transaction((tx) => tx.ack(ready.map((e) => ({ seq: e.seq, serverTime: chat.now() * 1000 }))));
  };

  it('moves sending -> sent -> delivered -> read, live', async () => {
    const msg = await chat.messages.sendMessage({ conversationId: conv.id, text: 'hi', senderId: 'alice' });
    const live = record(chat.messages.observe(msg.id));
    await live.waitForCount(1);
    const status = () => live.last()?.status;
    expect(status()).toBe('sending');

    chat.advance(10);
    await ackAll();
    await live.waitForCount(2);
    expect(status()).toBe('sent');
    expect(live.last()?.syncStatus).toBe('synced');

    await chat.messages.markMessagesAsDelivered([msg.id], 'bob');
    await live.waitForCount(3);
    expect(status()).toBe('delivered');

    await chat.messages.markMessagesAsRead([msg.id], 'bob');
    await live.waitForCount(4);
    expect(status()).toBe('read');
    expect(live.values.map((m) => m?.status)).toEqual(['sending', 'sent', 'delivered', 'read']);
    live.stop();
  });

  it('the sender reading or receiving their own message does not count', async () => {
    const msg = await chat.messages.sendMessage({ conversationId: conv.id, text: 'hi', senderId: 'alice' });
    await ackAll();
    await chat.messages.markMessagesAsDelivered([msg.id], 'alice');
    await chat.messages.markMessagesAsRead([msg.id], 'alice');
    expect((await chat.messages.read(msg.id))?.status).toBe('sent');
  });

  it('is failed when the push gave up', async () => {
    const msg = await chat.messages.sendMessage({ conversationId: conv.id, text: 'hi', senderId: 'alice' });
    const ready = await chat.store.sync.readyWrites(chat.now(), 500);
    const seqs = ready.filter((e) => e.docId === msg.id).map((e) => e.seq);
    expect(seqs).toHaveLength(1);
    await chat.store.sync.transaction((tx) => tx.recordFailure(seqs, { kind: 'permission-denied', message: 'denied', nextAttemptAt: null }));
    expect(await chat.messages.read(msg.id)).toMatchObject({ status: 'failed', syncStatus: 'failed' });
  });
});
