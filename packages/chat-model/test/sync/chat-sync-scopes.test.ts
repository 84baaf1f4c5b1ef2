// The chat scopes as a live query over a local store (no remote involved).
import type { RemoteScope, SqliteDriver } from 'localfire';
import { afterEach, describe, expect, it } from 'vitest';
import { chatSyncScopes, USER_ID_CHUNK } from '../../src/index.js';
import { openChat, record } from '../helpers.js';
import type { ChatFixture } from '../helpers.js';

const conversationsScope = (userId: string): RemoteScope => ({ collection: 'conversations', filters: [{ field: 'participantIds', op: 'array-contains', value: userId }] });
const invitationsScope = (userId: string): RemoteScope => ({ collection: 'conversations', filters: [{ field: 'invitedIds', op: 'array-contains', value: userId }] });
const privateScope = (userId: string): RemoteScope => ({ collection: 'private_profiles', filters: [{ field: 'id', op: 'in', value: [userId] }] });
/** What every user's device keeps: their conversations, their invitations, their private profile. */
const own = (userId: string): RemoteScope[] => [conversationsScope(userId), invitationsScope(userId), privateScope(userId)];
const usersScope = (ids: readonly string[]): RemoteScope => ({ collection: 'users', filters: [{ field: 'id', op: 'in', value: ids }] });
const messagesScope = (conversationId: string): RemoteScope => ({ collection: 'messages', parents: { conversationId } });

/** Writes a conversation as a pull would (synced, with a server time). */
async function pulledConversation(chat: ChatFixture, id: string, participantIds: readonly string[], serverTime = 1_700_000_000_000_000, invitedIds: readonly string[] = []): Promise<void> {
  await chat.store.sync.transaction((tx) =>
    tx.writeRow('conversations', {
      id,
      data: { type: 'group', participantIds: [...participantIds], ...(invitedIds.length === 0 ? {} : { invitedIds: [...invitedIds] }), lastActivityAt: new Date(chat.now()) },
      serverTime,
      deleted: false,
      syncStatus: 'synced',
    }),
  );
}

describe('chatSyncScopes', () => {
  let chat: ChatFixture;
  afterEach(async () => {
    await chat.close();
  });

  it('with no conversation: the user’s conversations and the user’s own profile', async () => {
    chat = await openChat();
    expect(await chatSyncScopes({ userId: 'alice', store: chat.store }).get()).toEqual([...own('alice'), usersScope(['alice'])]);
  });

  it('opens a conversation’s messages only once the server has the conversation', async () => {
    chat = await openChat();
    const scopes = record(chatSyncScopes({ userId: 'alice', store: chat.store }));
    await scopes.waitForCount(1);
    const { id } = await chat.conversations.createDirectConversation('alice', 'bob');
    await scopes.waitForCount(2);
    // Still in the outbox: the rules would refuse a messages listener on it.
    expect(scopes.last()).toEqual([...own('alice'), usersScope(['alice', 'bob'])]);

    const [entry] = await chat.store.sync.readyWrites(Number.MAX_SAFE_INTEGER, 10);
    await chat.store.sync.transaction((tx) => tx.ack([{ seq: entry!.seq, serverTime: 1_700_000_000_000_000 }]));
    await scopes.waitForCount(3);
    expect(scopes.last()).toEqual([...own('alice'), messagesScope(id), usersScope(['alice', 'bob'])]);
    scopes.stop();
  });

  it('a message sent (its conversation preview changes) re-runs no SQL: the observed rows are patched in memory', async () => {
    let scopeQueries = 0;
    chat = await openChat({
      // The node driver's methods are closures: spreading keeps them working.
      wrapDriver: (d: SqliteDriver): SqliteDriver => {
        const count = (sql: string): void => {
          if (sql.includes('FROM "conversations"') && !/\bid\b\s*(=|IN)/i.test(sql)) scopeQueries++;
        };
        return {
          ...d,
          all: (sql, params) => {
            count(sql);
            return d.all(sql, params);
          },
          values: (sql, params) => {
            count(sql);
            return d.values!(sql, params);
          },
        };
      },
    });
    await pulledConversation(chat, 'c1', ['alice', 'bob']);
    const scopes = record(chatSyncScopes({ userId: 'alice', store: chat.store }));
    await scopes.waitForCount(1);
    const before = scopeQueries;
    expect(before).toBeGreaterThan(0); // the first run, counted
    for (const text of ['one', 'two', 'three']) await chat.messages.sendMessage({ conversationId: 'c1', text, senderId: 'alice' });
    await chat.store.sync.nextWakeAt(0); // after every queued live re-run
    expect(scopeQueries).toBe(before);
    expect(scopes.values).toHaveLength(1);
    // A change that does move the scopes still comes through.
    await pulledConversation(chat, 'c2', ['alice', 'carol']);
    await scopes.waitForCount(2);
    expect(scopes.last()).toEqual([...own('alice'), messagesScope('c1'), messagesScope('c2'), usersScope(['alice', 'bob', 'carol'])]);
    scopes.stop();
  });

  it('covers pulled conversations the user takes part in, not those they left', async () => {
    chat = await openChat();
    await pulledConversation(chat, 'c2', ['alice', 'carol']);
    await pulledConversation(chat, 'c1', ['bob', 'alice']);
    await pulledConversation(chat, 'c3', ['bob', 'carol']);
    expect(await chatSyncScopes({ userId: 'alice', store: chat.store }).get()).toEqual([
      ...own('alice'),
      messagesScope('c1'),
      messagesScope('c2'),
      usersScope(['alice', 'bob', 'carol']),
    ]);
  });

  it('covers invitations: the conversation and its people, not its messages', async () => {
    chat = await openChat();
    await pulledConversation(chat, 'c1', ['bob', 'carol'], 1_700_000_000_000_000, ['alice', 'dave']);
    expect(await chatSyncScopes({ userId: 'alice', store: chat.store }).get()).toEqual([...own('alice'), usersScope(['alice', 'bob', 'carol', 'dave'])]);
    const scopes = record(chatSyncScopes({ userId: 'alice', store: chat.store }));
    await scopes.waitForCount(1);
    await chat.conversations.acceptInvitation('c1', 'alice');
    await scopes.settle();
    // The acceptance is still in the outbox: a messages listener would be refused (and stay failed).
    expect(scopes.last()).toEqual([...own('alice'), usersScope(['alice', 'bob', 'carol', 'dave'])]);
    const writes = await chat.store.sync.readyWrites(Number.MAX_SAFE_INTEGER, 10);
    await chat.store.sync.transaction((tx) => tx.ack(writes.map((w, i) => ({ seq: w.seq, serverTime: 1_700_000_000_000_001 + i }))));
    await scopes.waitForCount(2);
    expect(scopes.last()).toEqual([...own('alice'), messagesScope('c1'), usersScope(['alice', 'bob', 'carol', 'dave'])]);
    // Once open, it stays open across the row's later writes (every send changes the preview).
    await chat.messages.sendMessage({ conversationId: 'c1', text: 'hi', senderId: 'alice' });
    await scopes.settle();
    expect(scopes.last()).toContainEqual(messagesScope('c1'));
    scopes.stop();
  });

  it('splits the users into sorted `in` chunks of at most 30 ids', async () => {
    chat = await openChat();
    const members = Array.from({ length: 40 }, (_, i) => `u${String(i).padStart(2, '0')}`);
    await pulledConversation(chat, 'big', ['me', ...members.slice().reverse()]);
    const scopes = await chatSyncScopes({ userId: 'me', store: chat.store }).get();
    const sorted = [...members, 'me'].sort();
    expect(scopes.filter((s) => s.collection === 'users')).toEqual([usersScope(sorted.slice(0, USER_ID_CHUNK)), usersScope(sorted.slice(USER_ID_CHUNK))]);
    expect(USER_ID_CHUNK).toBe(30);
  });

  it('re-emits only when the scope set changes', async () => {
    chat = await openChat();
    await pulledConversation(chat, 'c1', ['alice', 'bob']);
    const scopes = record(chatSyncScopes({ userId: 'alice', store: chat.store }));
    await scopes.waitForCount(1);
    await chat.messages.sendMessage({ conversationId: 'c1', text: 'hi', senderId: 'alice' });
    await chat.users.create({ id: 'alice', displayName: 'Alice', isOnline: true });
    await scopes.settle();
    expect(scopes.values).toHaveLength(1);
    scopes.stop();
  });
});
