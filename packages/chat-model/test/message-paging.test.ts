import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Conversation, Message } from '../src/index.js';
import { openChat, record, seedUsers } from './helpers.js';
import type { ChatFixture } from './helpers.js';

describe('reading messages', () => {
  let chat: ChatFixture;
  let conv: Conversation;
  /** Every message of `conv` in (timestamp, id) order. */
  let all: Message[];

  beforeEach(async () => {
    chat = await openChat();
    await seedUsers(chat);
    conv = await chat.conversations.createDirectConversation('alice', 'bob');
    all = [];
    // Runs of messages sharing one timestamp (e.g. pulled from several devices), 37 in all.
    for (const run of [5, 1, 12, 3, 9, 7]) {
      chat.advance(1000);
      for (let i = 0; i < run; i++) {
        const senderId = i % 2 === 0 ? 'alice' : 'bob';
        const id = `msg-${String((all.length * 7919) % 1000).padStart(3, '0')}`;
        all.push(
          await chat.messages.create({
            id, localId: id, conversationId: conv.id, senderId, text: `m${all.length}`,
            timestamp: new Date(chat.now()), readBy: [senderId], deliveredTo: [],
          }),
        );
      }
    }
    all.sort((a, b) => a.timestamp.getTime() - b.timestamp.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    // A message in another conversation must never show up.
    const other = await chat.conversations.createDirectConversation('alice', 'carol');
    await chat.messages.sendMessage({ conversationId: other.id, text: 'elsewhere', senderId: 'carol' });
  });
  afterEach(() => chat.close());

  const texts = (list: readonly Message[]) => list.map((m) => m.text);

  it('getMessages returns the latest `limit` messages, oldest first', async () => {
    expect(texts(await chat.messages.getMessages(conv.id, 4))).toEqual(texts(all.slice(-4)));
    expect(texts(await chat.messages.getMessages(conv.id, 1000))).toEqual(texts(all));
  });

  it.each([1, 4, 5, 7, 12, 50])('getMessagesBefore(message) pages back over equal timestamps without gaps or repeats (page size %i)', async (limit) => {
    const pages: Message[][] = [];
    let page = await chat.messages.getMessages(conv.id, limit);
    while (page.length > 0) {
      pages.unshift(page);
      expect(page.length).toBeLessThanOrEqual(limit);
      page = await chat.messages.getMessagesBefore(conv.id, page[0]!, limit);
    }
    const joined = pages.flat();
    expect(joined.map((m) => m.id)).toEqual(all.map((m) => m.id));
    expect(new Set(joined.map((m) => m.id)).size).toBe(all.length);
  });

  it('getMessagesBefore(date) returns messages strictly older than the date', async () => {
    const cut = all[20]!.timestamp;
    const older = all.filter((m) => m.timestamp < cut);
    expect(texts(await chat.messages.getMessagesBefore(conv.id, cut, 3))).toEqual(texts(older.slice(-3)));
    expect(texts(await chat.messages.getMessagesBefore(conv.id, cut, 100))).toEqual(texts(older));
    expect(await chat.messages.getMessagesBefore(conv.id, all[0]!.timestamp, 10)).toEqual([]);
  });

  it('sendMessage keeps the send order of messages sent within one millisecond', async () => {
    const other = await chat.conversations.createDirectConversation('bob', 'carol');
    const sent = [];
    for (let i = 0; i < 20; i++) sent.push(await chat.messages.sendMessage({ conversationId: other.id, text: `burst ${i}`, senderId: 'bob' }));
    expect(texts(await chat.messages.getMessages(other.id, 100))).toEqual(sent.map((m) => m.text));
    const times = sent.map((m) => m.timestamp.getTime());
    expect(times.every((t, i) => i === 0 || t === times[i - 1]! + 1)).toBe(true);
    expect(times[0]).toBeGreaterThanOrEqual(chat.now());
  });

  it('observeMessages emits the whole conversation in order, then each new message', async () => {
    const live = record(chat.messages.observeMessages(conv.id));
    const lastTwo = record(chat.messages.observeMessages(conv.id, { limit: 2 }));
    await live.waitForCount(1);
    await lastTwo.waitForCount(1);
    expect(texts(live.last())).toEqual(texts(all));
    expect(texts(lastTwo.last())).toEqual(texts(all.slice(-2)));

    chat.advance(1000);
    await chat.messages.sendMessage({ conversationId: conv.id, text: 'newest', senderId: 'bob' });
    await live.waitForCount(2);
    await lastTwo.waitForCount(2);
    expect(texts(live.last())).toEqual([...texts(all), 'newest']);
    expect(texts(lastTwo.last())).toEqual([all[all.length - 1]!.text, 'newest']);
    live.stop();
    lastTwo.stop();
  });
});
