import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Conversation, Message } from '../src/index.js';
import { createJoinedGroup, openChat, seedUsers } from './helpers.js';
import type { ChatFixture } from './helpers.js';

describe('read and delivery receipts', () => {
  let chat: ChatFixture;
  let group: Conversation;
  let sent: Message[];
  beforeEach(async () => {
    chat = await openChat();
    await seedUsers(chat);
    group = await createJoinedGroup(chat, 'alice', ['bob', 'carol'], 'Trio');
    sent = [];
    for (const text of ['one', 'two', 'three']) {
      chat.advance(1);
      sent.push(await chat.messages.sendMessage({ conversationId: group.id, text, senderId: 'alice' }));
    }
  });
  afterEach(() => chat.close());

  const outboxOf = async (docId: string) => (await chat.store.sync.listOutbox()).filter((e) => e.docId === docId);

  it('adds readers by union: concurrent readers accumulate, repeats change nothing', async () => {
    const ids = sent.map((m) => m.id);
    await chat.messages.markMessagesAsRead(ids, 'bob');
    await chat.messages.markMessagesAsRead(ids.slice(0, 2), 'carol');
    for (const [i, expected] of [['alice', 'bob', 'carol'], ['alice', 'bob', 'carol'], ['alice', 'bob']].entries()) {
      expect([...(await chat.messages.read(ids[i]!))!.readBy].sort()).toEqual(expected);
    }
    const before = await chat.store.sync.listOutbox();
    await chat.messages.markMessagesAsRead(ids, 'bob');
    expect(await chat.store.sync.listOutbox()).toEqual(before);

    const receipts = (await outboxOf(ids[0]!)).slice(1);
    expect(receipts.map((e) => e.fields)).toEqual([{ readBy: { op: 'union', values: ['bob'] } }, { readBy: { op: 'union', values: ['carol'] } }]);
  });

  it('adds delivery receipts by union, separately from readBy', async () => {
    await chat.messages.markMessagesAsDelivered([sent[0]!.id, sent[0]!.id], 'carol');
    await chat.messages.markMessagesAsDelivered([sent[0]!.id], 'bob');
    const msg = await chat.messages.read(sent[0]!.id);
    expect([...msg!.deliveredTo].sort()).toEqual(['bob', 'carol']);
    expect(msg!.readBy).toEqual(['alice']);
    expect((await outboxOf(sent[0]!.id)).slice(1).map((e) => e.fields)).toEqual([
      { deliveredTo: { op: 'union', values: ['carol'] } },
      { deliveredTo: { op: 'union', values: ['bob'] } },
    ]);
  });

  it('an unknown message id fails the whole batch with not-found and writes nothing', async () => {
    const before = await chat.store.sync.listOutbox();
    await expect(chat.messages.markMessagesAsRead([sent[0]!.id, 'ghost'], 'bob')).rejects.toMatchObject({ kind: 'not-found', details: { missing: ['ghost'] } });
    expect(await chat.store.sync.listOutbox()).toEqual(before);
    expect((await chat.messages.read(sent[0]!.id))!.readBy).toEqual(['alice']);
  });

  it('an empty batch is a no-op', async () => {
    const before = await chat.store.sync.listOutbox();
    await chat.messages.markMessagesAsRead([], 'bob');
    expect(await chat.store.sync.listOutbox()).toEqual(before);
  });
});
