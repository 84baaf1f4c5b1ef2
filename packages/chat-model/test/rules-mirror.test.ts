// Domain refusals mirror the rules: each write the shipped rules refuse (on the emulator) is
// refused by the chat repositories at once, signed in as the same user, with a typed
// LocalfireError, and writes nothing (no row changed, no outbox entry).
import { arrayRemove, arrayUnion, doc, serverTimestamp, setDoc, setLogLevel, Timestamp, type Firestore } from 'firebase/firestore';
import { isLocalfireError } from 'localfire';
import type { ErrorKind } from 'localfire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestProject, readChatRules, type TestProject } from '../../../test-support/firestore.js';
import { CHAT_LIMITS, conversations, directConversationId, messages } from '../src/index.js';
import { openChat, seedUsers, T0 } from './helpers.js';
import type { ChatFixture } from './helpers.js';

const GROUP = 'group-1';
const DIRECT = directConversationId('alice', 'bob');
const MESSAGE = 'msg-from-alice';

let project: TestProject;
let admin: Firestore;
let seq = 0;

beforeAll(async () => {
  setLogLevel('silent');
  project = await createTestProject({ label: 'chat-rules-mirror', rules: readChatRules() });
  admin = project.connectAdmin();
});

afterAll(async () => {
  await project.dispose();
});

const push = (db: Firestore, path: string, fields: Record<string, unknown>) =>
  setDoc(doc(db, path), { ...fields, updatedAt: serverTimestamp() }, { merge: true });

/**
 * The same world locally and on the server: a group of alice (owner), bob and carol with dave
 * invited, the direct conversation of alice and bob, and a message of alice in the group.
 * Server ids get a suffix per test, so every case starts from this state.
 */
async function seedServer(suffix: string): Promise<{ group: string; direct: string; message: string }> {
  const group = `${GROUP}-${suffix}`;
  const direct = DIRECT;
  await push(admin, `conversations/${group}`, { type: 'group', participantIds: ['alice', 'bob', 'carol'], invitedIds: ['dave'], createdBy: 'alice', lastActivityAt: Timestamp.fromMillis(T0), deleted: false });
  await push(admin, `conversations/${direct}`, { type: 'direct', participantIds: ['alice', 'bob'], lastActivityAt: Timestamp.fromMillis(T0), deleted: false });
  await push(admin, `conversations/${group}/messages/${MESSAGE}`, {
    conversationId: group, senderId: 'alice', text: 'hello', timestamp: Timestamp.fromMillis(T0), readBy: ['alice'], deliveredTo: [], localId: MESSAGE, deleted: false,
  });
  return { group, direct, message: `conversations/${group}/messages/${MESSAGE}` };
}

async function seedLocal(chat: ChatFixture): Promise<void> {
  await seedUsers(chat, ['alice', 'bob', 'carol', 'dave']);
  await chat.store.repo(conversations).create({ id: GROUP, type: 'group', participantIds: ['alice', 'bob', 'carol'], invitedIds: ['dave'], createdBy: 'alice', lastActivityAt: new Date(T0) });
  await chat.store.repo(conversations).create({ id: DIRECT, type: 'direct', participantIds: ['alice', 'bob'], lastActivityAt: new Date(T0) });
  await chat.store.repo(messages).create({ id: MESSAGE, localId: MESSAGE, conversationId: GROUP, senderId: 'alice', text: 'hello', timestamp: new Date(T0), readBy: ['alice'], deliveredTo: [] });
}

interface MirrorCase {
  readonly name: string;
  /** The attacker: the signed-in user on both sides. */
  readonly as: string;
  readonly kind: ErrorKind;
  readonly local: (chat: ChatFixture) => Promise<unknown>;
  readonly remote: (db: Firestore, ids: { group: string; direct: string; message: string }) => Promise<unknown>;
}

const CASES: readonly MirrorCase[] = [
  {
    name: 'a member removes another member of a group they do not own',
    as: 'bob', kind: 'precondition',
    local: (c) => c.conversations.removeParticipant(GROUP, 'bob', 'carol'),
    remote: (db, { group }) => push(db, `conversations/${group}`, { participantIds: arrayRemove('carol') }),
  },
  {
    name: 'the same, through the generic update',
    as: 'bob', kind: 'precondition',
    local: (c) => c.conversations.update(GROUP, { participantIds: ['alice', 'bob'] }),
    remote: (db, { group }) => push(db, `conversations/${group}`, { participantIds: ['alice', 'bob'] }),
  },
  {
    name: 'a member adds someone to a group instead of inviting them',
    as: 'bob', kind: 'precondition',
    local: (c) => c.conversations.update(GROUP, { participantIds: ['alice', 'bob', 'carol', 'erin'] }),
    remote: (db, { group }) => push(db, `conversations/${group}`, { participantIds: arrayUnion('erin') }),
  },
  {
    name: 'a participant adds a third user to a direct conversation',
    as: 'alice', kind: 'precondition',
    local: (c) => c.conversations.update(DIRECT, { participantIds: ['alice', 'bob', 'carol'] }),
    remote: (db, { direct }) => push(db, `conversations/${direct}`, { participantIds: arrayUnion('carol') }),
  },
  {
    name: 'a participant leaves a direct conversation',
    as: 'alice', kind: 'precondition',
    local: (c) => c.conversations.removeParticipant(DIRECT, 'alice', 'alice'),
    remote: (db, { direct }) => push(db, `conversations/${direct}`, { participantIds: arrayRemove('alice') }),
  },
  {
    name: 'a user accepts an invitation they do not have',
    as: 'erin', kind: 'precondition',
    local: (c) => c.conversations.acceptInvitation(GROUP, 'erin'),
    remote: (db, { group }) => push(db, `conversations/${group}`, { participantIds: arrayUnion('erin') }),
  },
  {
    name: 'a user accepts someone else’s invitation',
    as: 'erin', kind: 'precondition',
    local: (c) => c.conversations.acceptInvitation(GROUP, 'dave'),
    remote: (db, { group }) => push(db, `conversations/${group}`, { participantIds: arrayUnion('dave') }),
  },
  {
    name: 'a member sets the preview as another sender',
    as: 'bob', kind: 'precondition',
    local: (c) => c.conversations.update(GROUP, { lastMessage: { text: 'I quit', senderId: 'alice', sentAt: T0 } }),
    remote: (db, { group }) => push(db, `conversations/${group}`, { lastMessage: { text: 'I quit', senderId: 'alice', sentAt: T0 } }),
  },
  {
    name: 'a preview that is not an excerpt',
    as: 'bob', kind: 'validation',
    local: (c) => c.conversations.update(GROUP, { lastMessage: { text: 'x'.repeat(CHAT_LIMITS.previewText + 1), senderId: 'bob', sentAt: T0 } }),
    remote: (db, { group }) => push(db, `conversations/${group}`, { lastMessage: { text: 'x'.repeat(CHAT_LIMITS.previewText + 1), senderId: 'bob', sentAt: T0 } }),
  },
  {
    name: 'a group name over its limit',
    as: 'bob', kind: 'validation',
    local: (c) => c.conversations.update(GROUP, { groupName: 'x'.repeat(CHAT_LIMITS.groupName + 1) }),
    remote: (db, { group }) => push(db, `conversations/${group}`, { groupName: 'x'.repeat(CHAT_LIMITS.groupName + 1) }),
  },
  {
    name: 'a user sends a message as another user',
    as: 'bob', kind: 'precondition',
    local: (c) => c.messages.sendMessage({ conversationId: GROUP, text: 'hi', senderId: 'alice' }),
    remote: (db, { group }) => push(db, `conversations/${group}/messages/m-${++seq}`, {
      conversationId: group, senderId: 'alice', text: 'hi', timestamp: Timestamp.fromMillis(T0), readBy: ['alice'], deliveredTo: [], localId: 'x', deleted: false,
    }),
  },
  {
    name: 'an invitee sends a message before accepting',
    as: 'dave', kind: 'precondition',
    local: (c) => c.messages.sendMessage({ conversationId: GROUP, text: 'hi', senderId: 'dave' }),
    remote: (db, { group }) => push(db, `conversations/${group}/messages/m-${++seq}`, {
      conversationId: group, senderId: 'dave', text: 'hi', timestamp: Timestamp.fromMillis(T0), readBy: ['dave'], deliveredTo: [], localId: 'x', deleted: false,
    }),
  },
  {
    name: 'a message longer than its limit',
    as: 'bob', kind: 'validation',
    local: (c) => c.messages.sendMessage({ conversationId: GROUP, text: 'x'.repeat(CHAT_LIMITS.messageText + 1), senderId: 'bob' }),
    remote: (db, { group }) => push(db, `conversations/${group}/messages/m-${++seq}`, {
      conversationId: group, senderId: 'bob', text: 'x'.repeat(CHAT_LIMITS.messageText + 1), timestamp: Timestamp.fromMillis(T0), readBy: ['bob'], deliveredTo: [], localId: 'x', deleted: false,
    }),
  },
  {
    name: 'a message carrying a sender name',
    as: 'bob', kind: 'validation',
    local: (c) => c.messages.create({ id: 'm-named', localId: 'm-named', conversationId: GROUP, senderId: 'bob', senderName: 'Alice', text: 'hi', timestamp: new Date(T0), readBy: ['bob'], deliveredTo: [] }),
    remote: (db, { group }) => push(db, `conversations/${group}/messages/m-${++seq}`, {
      conversationId: group, senderId: 'bob', senderName: 'Alice', text: 'hi', timestamp: Timestamp.fromMillis(T0), readBy: ['bob'], deliveredTo: [], localId: 'x', deleted: false,
    }),
  },
  {
    name: 'a member edits someone else’s message',
    as: 'bob', kind: 'precondition',
    local: (c) => c.messages.update(MESSAGE, { text: 'edited' }),
    remote: (db, { message }) => push(db, message, { text: 'edited' }),
  },
  {
    name: 'a member tombstones someone else’s message',
    as: 'bob', kind: 'precondition',
    local: (c) => c.messages.delete(MESSAGE),
    remote: (db, { message }) => push(db, message, { deleted: true }),
  },
  {
    name: 'a member marks a message read for someone else',
    as: 'bob', kind: 'precondition',
    local: (c) => c.messages.markMessagesAsRead([MESSAGE], 'carol'),
    remote: (db, { message }) => push(db, message, { readBy: arrayUnion('carol') }),
  },
  {
    name: 'a member removes someone’s receipt',
    as: 'bob', kind: 'precondition',
    local: (c) => c.messages.update(MESSAGE, { readBy: [] }),
    remote: (db, { message }) => push(db, message, { readBy: arrayRemove('alice') }),
  },
  {
    name: 'a user renames someone else',
    as: 'bob', kind: 'precondition',
    local: (c) => c.users.updateProfile('alice', { displayName: 'Mallory' }),
    remote: (db) => push(db, 'users/alice', { displayName: 'Mallory' }),
  },
  {
    name: 'a user sets someone else’s presence',
    as: 'bob', kind: 'precondition',
    local: (c) => c.users.updatePresence('alice', true),
    remote: (db) => push(db, 'users/alice', { isOnline: true }),
  },
  {
    name: 'a display name over its limit',
    as: 'bob', kind: 'validation',
    local: (c) => c.users.updateProfile('bob', { displayName: 'x'.repeat(CHAT_LIMITS.displayName + 1) }),
    remote: (db) => push(db, 'users/bob', { displayName: 'x'.repeat(CHAT_LIMITS.displayName + 1) }),
  },
];

describe('each write the rules refuse, the repositories refuse first', () => {
  it.each(CASES)('$name: refused by the rules, and locally with $kind, nothing written', async ({ as, kind, local, remote }) => {
    const ids = await seedServer(String(++seq));
    await push(admin, 'users/alice', { displayName: 'Alice', isOnline: false, deleted: false });
    await push(admin, 'users/bob', { displayName: 'Bob', isOnline: false, deleted: false });
    await expect(remote(project.connect(as), ids)).rejects.toMatchObject({ code: 'permission-denied' });

    const chat = await openChat({ userId: as });
    try {
      await seedLocal(chat);
      const rowsBefore = [await chat.store.repo(conversations).readAll(), await chat.store.repo(messages).readAll(), await chat.users.readAll()];
      const outboxBefore = await chat.store.sync.listOutbox();
      const error: unknown = await local(chat).then(() => undefined, (e: unknown) => e);
      expect(isLocalfireError(error, kind), `expected a ${kind} LocalfireError, got ${String(error)}`).toBe(true);
      expect(await chat.store.sync.listOutbox()).toEqual(outboxBefore);
      expect([await chat.store.repo(conversations).readAll(), await chat.store.repo(messages).readAll(), await chat.users.readAll()]).toEqual(rowsBefore);
    } finally {
      await chat.close();
    }
  });
});

describe('the legitimate counterparts pass both', () => {
  it('the owner removes a member; an invitee accepts; a member sends, reads, renames themself', async () => {
    const ids = await seedServer(String(++seq));
    await push(admin, 'users/bob', { displayName: 'Bob', isOnline: false, deleted: false });
    await expect(push(project.connect('alice'), `conversations/${ids.group}`, { participantIds: arrayRemove('carol') })).resolves.toBeUndefined();
    await expect(push(project.connect('dave'), `conversations/${ids.group}`, { participantIds: arrayUnion('dave') })).resolves.toBeUndefined();
    await expect(push(project.connect('bob'), ids.message, { readBy: arrayUnion('bob') })).resolves.toBeUndefined();
    await expect(push(project.connect('bob'), 'users/bob', { displayName: 'Robert' })).resolves.toBeUndefined();

    const asAlice = await openChat({ userId: 'alice' });
    const asDave = await openChat({ userId: 'dave' });
    const asBob = await openChat({ userId: 'bob' });
    try {
      for (const c of [asAlice, asDave, asBob]) await seedLocal(c);
      expect((await asAlice.conversations.removeParticipant(GROUP, 'alice', 'carol')).participantIds).toEqual(['alice', 'bob']);
      expect((await asDave.conversations.acceptInvitation(GROUP, 'dave'))).toMatchObject({ participantIds: ['alice', 'bob', 'carol', 'dave'], invitedIds: [] });
      await asBob.messages.markMessagesAsRead([MESSAGE], 'bob');
      await asBob.messages.sendMessage({ conversationId: GROUP, text: 'hi', senderId: 'bob' });
      expect((await asBob.users.updateProfile('bob', { displayName: 'Robert' })).displayName).toBe('Robert');
    } finally {
      await asAlice.close();
      await asDave.close();
      await asBob.close();
    }
  });
});
