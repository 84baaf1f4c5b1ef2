import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Conversation, Message } from '../src/index.js';
import { plainEqual } from '../src/repositories/map-live.js';
import { openChat, record, seedUsers } from './helpers.js';
import type { ChatFixture } from './helpers.js';

describe('plainEqual', () => {
  it.each([
    [1, 1, true],
    [NaN, NaN, true],
    ['a', 'b', false],
    [new Date(5), new Date(5), true],
    [new Date(5), new Date(6), false],
    [new Date(5), 5, false],
    [[1, [2]], [1, [2]], true],
    [[1], [1, 2], false],
    [[1], { 0: 1 }, false],
    [{ a: 1, b: [new Date(1)] }, { b: [new Date(1)], a: 1 }, true],
    [{ a: 1 }, { a: 1, b: undefined }, false],
    [{ a: 1, c: 2 }, { a: 1, b: 2 }, false],
    [null, {}, false],
  ])('%j vs %j -> %s', (a, b, expected) => {
    expect(plainEqual(a, b)).toBe(expected);
    expect(plainEqual(b, a)).toBe(expected);
  });
});

describe('domain live queries', () => {
  let chat: ChatFixture;
  let conv: Conversation;
  beforeEach(async () => {
    chat = await openChat();
    await seedUsers(chat);
    conv = await chat.conversations.createDirectConversation('alice', 'bob');
  });
  afterEach(() => chat.close());

  it('a change of bookkeeping the domain object does not show is not emitted', async () => {
    const msg = await chat.messages.sendMessage({ conversationId: conv.id, text: 'hi', senderId: 'alice' });
    const list = record(chat.messages.observeMessages(conv.id));
    const one = record(chat.messages.observe(msg.id));
    await list.waitForCount(1);
    await one.waitForCount(1);
    // A retryable push failure: retry count and attempt time change, the message does not.
    const seqs = (await chat.store.sync.readyWrites(chat.now(), 100)).filter((e) => e.docId === msg.id).map((e) => e.seq);
    await chat.store.sync.transaction((tx) => tx.recordFailure(seqs, { kind: 'offline', message: 'offline', nextAttemptAt: chat.now() + 1000 }));
    expect((await chat.messages.repo.read(msg.id))?.$meta.retryCount).toBe(1);
    await list.settle();
    await one.settle();
    expect(list.values).toHaveLength(1);
    expect(one.values).toHaveLength(1);
    // A real change still comes through.
    await chat.messages.markMessagesAsDelivered([msg.id], 'bob');
    await list.waitForCount(2);
    await one.waitForCount(2);
    expect(one.last()?.deliveredTo).toEqual(['bob']);
    list.stop();
    one.stop();
  });

  it('observeMessages ignores other conversations', async () => {
    const other = await chat.conversations.createDirectConversation('alice', 'carol');
    const live = record(chat.messages.observeMessages(conv.id));
    await live.waitForCount(1);
    await chat.messages.sendMessage({ conversationId: other.id, text: 'elsewhere', senderId: 'carol' });
    await live.settle();
    expect(live.values).toEqual([[]]);
    live.stop();
  });

  it('iterates with for await; breaking the loop unsubscribes', async () => {
    const seen: string[][] = [];
    const loop = (async () => {
      for await (const list of chat.messages.observeMessages(conv.id)) {
        seen.push(list.map((m: Message) => m.text));
        if (seen.length === 3) break;
      }
    })();
    const send = (text: string) => chat.messages.sendMessage({ conversationId: conv.id, text, senderId: 'bob' });
    const waitSeen = async (n: number) => {
      for (let i = 0; i < 500 && seen.length < n; i++) await new Promise((r) => setTimeout(r, 2));
    };
    await waitSeen(1);
    await send('one');
    await waitSeen(2);
    await send('two');
    await loop;
    expect(seen).toEqual([[], ['one'], ['one', 'two']]);
    // After the break nothing is delivered any more; the store keeps working.
    await send('three');
    expect(seen).toHaveLength(3);
    expect((await chat.messages.observeMessages(conv.id).get()).map((m) => m.text)).toEqual(['one', 'two', 'three']);
  });
});
