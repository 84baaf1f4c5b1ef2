import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { directConversationId } from '../src/index.js';
import type { ConversationSummary } from '../src/index.js';
import { createJoinedGroup, openChat, record, seedUsers, T0 } from './helpers.js';
import type { ChatFixture } from './helpers.js';

describe('createDirectConversation', () => {
  it('gives the same id on two separate databases, whichever user creates it', async () => {
    const a = await openChat({ idPrefix: 'devA-' });
    const b = await openChat({ idPrefix: 'devB-' });
    try {
      await seedUsers(a);
      await seedUsers(b);
      const onA = await a.conversations.createDirectConversation('alice', 'bob');
      const onB = await b.conversations.createDirectConversation('bob', 'alice');
      expect(onA.id).toBe(onB.id);
      expect(onA.id).toBe(directConversationId('alice', 'bob'));
      expect(onA.participantIds).toEqual(['alice', 'bob']);
      expect(onB.participantIds).toEqual(['alice', 'bob']);
      expect(onA.type).toBe('direct');
      expect(onA).not.toHaveProperty('participants'); // names are resolved from the profiles, not stored
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('returns the existing conversation when created twice, writing nothing the second time', async () => {
    const chat = await openChat();
    try {
      await seedUsers(chat);
      const first = await chat.conversations.createDirectConversation('alice', 'bob');
      const outbox = await chat.store.sync.listOutbox();
      chat.advance(5000);
      const second = await chat.conversations.createDirectConversation('bob', 'alice');
      expect(second).toEqual(first);
      expect(await chat.store.sync.listOutbox()).toEqual(outbox);
      expect(await chat.conversations.readAll()).toHaveLength(1);
    } finally {
      await chat.close();
    }
  });

  it('refuses a conversation with oneself or an empty uid', async () => {
    const chat = await openChat();
    try {
      await expect(chat.conversations.createDirectConversation('alice', 'alice')).rejects.toMatchObject({ kind: 'validation' });
      await expect(chat.conversations.createDirectConversation('alice', ' ')).rejects.toMatchObject({ kind: 'validation' });
      expect(await chat.conversations.readAll()).toEqual([]);
    } finally {
      await chat.close();
    }
  });
});

describe('directConversationId', () => {
  it('is symmetric and unambiguous for uids containing the separator', () => {
    expect(directConversationId('b', 'a')).toBe(directConversationId('a', 'b'));
    expect(directConversationId('a_b', 'c')).not.toBe(directConversationId('a', 'b_c'));
    expect(directConversationId('x/y', 'z')).not.toContain('/');
  });
});

describe('createGroupConversation', () => {
  let chat: ChatFixture;
  beforeEach(async () => {
    chat = await openChat();
    await seedUsers(chat);
  });
  afterEach(() => chat.close());

  it('creates a group of its owner alone, inviting the unique others, with the name', async () => {
    const group = await chat.conversations.createGroupConversation('alice', ['bob', 'carol', 'bob', 'alice'], 'Team');
    expect(group).toMatchObject({
      type: 'group',
      participantIds: ['alice'],
      invitedIds: ['bob', 'carol'],
      groupName: 'Team',
      createdBy: 'alice',
      lastActivityAt: new Date(T0),
    });
    expect(await chat.conversations.read(group.id)).toEqual(group);
  });

  it('refuses a group without another participant or with a blank name', async () => {
    await expect(chat.conversations.createGroupConversation('alice', ['alice'])).rejects.toMatchObject({ kind: 'validation' });
    await expect(chat.conversations.createGroupConversation('alice', ['bob'], '  ')).rejects.toMatchObject({ kind: 'validation' });
    expect(await chat.conversations.readAll()).toEqual([]);
  });
});

describe('observeConversations', () => {
  let chat: ChatFixture;
  beforeEach(async () => {
    chat = await openChat();
    await seedUsers(chat, ['alice', 'bob', 'carol', 'dave']);
  });
  afterEach(() => chat.close());

  const ids = (list: readonly ConversationSummary[]) => list.map((c) => c.id);

  it('lists only the user conversations, latest activity first, and follows new activity live', async () => {
    const withBob = await chat.conversations.createDirectConversation('alice', 'bob');
    chat.advance(10);
    const withCarol = await chat.conversations.createDirectConversation('alice', 'carol');
    chat.advance(10);
    const group = await chat.conversations.createGroupConversation('alice', ['bob', 'carol'], 'Trio');
    chat.advance(10);
    await chat.conversations.createDirectConversation('bob', 'dave');

    const live = record(chat.conversations.observeConversations('alice'));
    await live.waitForCount(1);
    expect(ids(live.last())).toEqual([group.id, withCarol.id, withBob.id]);

    chat.advance(10);
    await chat.messages.sendMessage({ conversationId: withBob.id, text: 'up you go', senderId: 'bob' });
    await live.waitForCount(2);
    expect(ids(live.last())).toEqual([withBob.id, group.id, withCarol.id]);
    expect(live.last()[0]).toMatchObject({ lastMessage: { text: 'up you go', senderId: 'bob' }, unreadCount: 1 });

    chat.advance(10);
    const later = await chat.conversations.createDirectConversation('dave', 'alice');
    await live.waitForCount(3);
    expect(ids(live.last())).toEqual([later.id, withBob.id, group.id, withCarol.id]);

    // A change elsewhere that does not alter alice's list is not emitted.
    const count = live.values.length;
    await chat.messages.sendMessage({ conversationId: directConversationId('bob', 'dave'), text: 'psst', senderId: 'dave' });
    await live.settle();
    expect(live.values).toHaveLength(count);
    live.stop();
  });

  it('counts unread messages per conversation: not sent by the user and not read by them', async () => {
    const direct = await chat.conversations.createDirectConversation('alice', 'bob');
    const group = await createJoinedGroup(chat, 'carol', ['alice', 'bob']);
    const send = async (conversationId: string, senderId: string) => {
      chat.advance(1);
      return chat.messages.sendMessage({ conversationId, text: `from ${senderId}`, senderId });
    };
    const b1 = await send(direct.id, 'bob');
    const b2 = await send(direct.id, 'bob');
    await send(direct.id, 'bob');
    await send(direct.id, 'alice');
    const c1 = await send(group.id, 'carol');
    await send(group.id, 'bob');

    const alice = record(chat.conversations.observeConversations('alice'));
    const bob = record(chat.conversations.observeConversations('bob'));
    await alice.waitForCount(1);
    await bob.waitForCount(1);
    const unread = (list: readonly ConversationSummary[]) => Object.fromEntries(list.map((c) => [c.id, c.unreadCount]));
    expect(unread(alice.last())).toEqual({ [direct.id]: 3, [group.id]: 2 });
    expect(unread(bob.last())).toEqual({ [direct.id]: 1, [group.id]: 1 });

    await chat.messages.markMessagesAsRead([b1.id, b2.id, c1.id], 'alice');
    await alice.waitForCount(2);
    expect(unread(alice.last())).toEqual({ [direct.id]: 1, [group.id]: 1 });
    // Delivery is not reading.
    await chat.messages.markMessagesAsDelivered([c1.id], 'bob');
    await bob.settle();
    expect(unread(bob.last())).toEqual({ [direct.id]: 1, [group.id]: 1 });
    alice.stop();
    bob.stop();
  });

  it('updateLastMessage sets the preview, and refuses an unknown conversation', async () => {
    const conv = await chat.conversations.createDirectConversation('alice', 'bob');
    chat.advance(100);
    const msg = await chat.messages.sendMessage({ conversationId: conv.id, text: 'first', senderId: 'alice' });
    await chat.conversations.updateLastMessage(conv.id, { ...msg, text: 'edited preview' });
    expect(await chat.conversations.read(conv.id)).toMatchObject({ lastMessage: { text: 'edited preview', senderId: 'alice', sentAt: msg.timestamp.getTime() }, lastActivityAt: msg.timestamp });
    await expect(chat.conversations.updateLastMessage('missing', msg)).rejects.toMatchObject({ kind: 'not-found' });
  });
});

describe('group membership by consent', () => {
  let chat: ChatFixture;
  beforeEach(async () => {
    chat = await openChat();
    await seedUsers(chat, ['alice', 'bob', 'carol', 'dave']);
  });
  afterEach(() => chat.close());

  it('an invitee sees the invitation, not the conversation, until they accept; a decline drops it', async () => {
    const group = await chat.conversations.createGroupConversation('alice', ['bob', 'carol'], 'Trio');
    const bobList = record(chat.conversations.observeConversations('bob'));
    const bobInvites = record(chat.conversations.observeInvitations('bob'));
    await bobList.waitForCount(1);
    await bobInvites.waitForCount(1);
    expect(bobList.last()).toEqual([]);
    expect(bobInvites.last().map((c) => c.id)).toEqual([group.id]);

    const outboxBefore = (await chat.store.sync.listOutbox()).length;
    const joined = await chat.conversations.acceptInvitation(group.id, 'bob');
    expect(joined).toMatchObject({ participantIds: ['alice', 'bob'], invitedIds: ['carol'] });
    await bobList.waitForCount(2);
    expect(bobList.last().map((c) => c.id)).toEqual([group.id]);
    await bobInvites.waitForCount(2);
    expect(bobInvites.last()).toEqual([]);
    // Joining is an arrayUnion of oneself, so a concurrent change of the members is never overwritten.
    const [join] = (await chat.store.sync.listOutbox()).slice(outboxBefore);
    expect(join?.fields.participantIds).toEqual({ op: 'union', values: ['bob'] });

    expect(await chat.conversations.declineInvitation(group.id, 'carol')).toMatchObject({ participantIds: ['alice', 'bob'], invitedIds: [] });
    await expect(chat.conversations.acceptInvitation(group.id, 'carol')).rejects.toMatchObject({ kind: 'precondition' });
    bobList.stop();
    bobInvites.stop();
  });

  it('members invite non-members; the owner removes members; a member leaves', async () => {
    const group = await createJoinedGroup(chat, 'alice', ['bob', 'carol']);
    expect((await chat.conversations.invite(group.id, 'bob', ['dave', 'alice'])).invitedIds).toEqual(['dave']);
    await expect(chat.conversations.removeParticipant(group.id, 'bob', 'carol')).rejects.toMatchObject({ kind: 'precondition' });
    expect((await chat.conversations.removeParticipant(group.id, 'alice', 'carol')).participantIds).toEqual(['alice', 'bob']);
    expect((await chat.conversations.removeParticipant(group.id, 'bob', 'bob')).participantIds).toEqual(['alice']);
    const direct = await chat.conversations.createDirectConversation('alice', 'bob');
    await expect(chat.conversations.invite(direct.id, 'alice', ['carol'])).rejects.toMatchObject({ kind: 'precondition' });
  });
});
