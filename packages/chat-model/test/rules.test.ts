// The chat security rules (packages/chat-model/firestore.rules) on the emulator, through the
// client SDK with a mock token per user. Writes have the shape the sync engine pushes: a
// set-with-merge of the changed fields plus `updatedAt: serverTimestamp()`.
import {
  arrayRemove, arrayUnion, collection, deleteDoc, doc, getDoc, getDocs, query, serverTimestamp, setDoc, setLogLevel, Timestamp, where, writeBatch,
  type Firestore,
} from 'firebase/firestore';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestProject, readChatRules, type TestProject } from '../../../test-support/firestore.js';
import { directConversationId } from '../src/index.js';

let project: TestProject;
let admin: Firestore;
let alice: Firestore;
let bob: Firestore;
let carol: Firestore;
let anonymous: Firestore;
let seq = 0;

beforeAll(async () => {
  setLogLevel('silent'); // denied listens are expected here; the SDK would log each one
  project = await createTestProject({ label: 'chat-rules', rules: readChatRules() });
  admin = project.connectAdmin();
  alice = project.connect('alice');
  bob = project.connect('bob');
  carol = project.connect('carol');
  anonymous = project.connect(null);
});

afterAll(async () => {
  await project.dispose();
});

const allowed = async (write: Promise<unknown>): Promise<void> => {
  await expect(write).resolves.not.toThrow();
};
const denied = async (attempt: Promise<unknown>): Promise<void> => {
  await expect(attempt).rejects.toMatchObject({ code: 'permission-denied' });
};

/** A push: merge of the changed fields, stamped with the server time. */
const push = (db: Firestore, path: string, fields: Record<string, unknown>) =>
  setDoc(doc(db, path), { ...fields, updatedAt: serverTimestamp() }, { merge: true });

const newId = (prefix: string) => `${prefix}-${++seq}`;

/** A group as its owner creates it: the owner alone, the others invited. */
const groupFields = (owner: string, invitedIds: string[] = []) => ({
  type: 'group',
  participantIds: [owner],
  invitedIds,
  createdBy: owner,
  lastActivityAt: Timestamp.fromMillis(1_700_000_000_000),
  deleted: false,
});

/** A direct conversation of a pair, as either of them creates it (at `directConversationId`). */
const directFields = (a: string, b: string) => ({
  type: 'direct',
  participantIds: [a, b].sort(),
  lastActivityAt: Timestamp.fromMillis(1_700_000_000_000),
  deleted: false,
});

/** A group with these members (seeded past the rules, as after invitations were accepted). */
const conversationFields = (participantIds: string[], createdBy = participantIds[0]) => ({
  type: 'group',
  participantIds,
  ...(createdBy === undefined ? {} : { createdBy }),
  lastActivityAt: Timestamp.fromMillis(1_700_000_000_000),
  deleted: false,
});

const messageFields = (conversationId: string, senderId: string, id: string) => ({
  conversationId,
  senderId,
  text: 'hello',
  timestamp: Timestamp.fromMillis(1_700_000_000_000),
  readBy: [senderId],
  deliveredTo: [],
  localId: id,
  deleted: false,
});

/** A conversation between alice and bob, seeded past the rules. */
async function seedConversation(participantIds = ['alice', 'bob']): Promise<string> {
  const id = newId('conv');
  await push(admin, `conversations/${id}`, conversationFields(participantIds));
  return id;
}

/** A message from `senderId` in a seeded conversation, seeded past the rules. */
async function seedMessage(conversationId: string, senderId = 'alice'): Promise<string> {
  const id = newId('msg');
  await push(admin, `conversations/${conversationId}/messages/${id}`, messageFields(conversationId, senderId, id));
  return id;
}

describe('users', () => {
  it('a user creates, replays and updates their own profile and presence', async () => {
    const profile = { displayName: 'Alice', isOnline: false, deleted: false };
    await allowed(push(alice, 'users/alice', profile));
    await allowed(push(alice, 'users/alice', profile));
    await allowed(push(alice, 'users/alice', { isOnline: true, lastSeen: serverTimestamp() }));
  });

  it('a user cannot write another user’s profile or presence', async () => {
    await push(admin, 'users/bob', { displayName: 'Bob', isOnline: false, deleted: false });
    await denied(push(alice, 'users/bob', { displayName: 'Not Bob' }));
    await denied(push(alice, 'users/bob', { isOnline: true }));
    await denied(push(alice, 'users/mallory', { displayName: 'M', isOnline: false, deleted: false }));
  });

  it('signed-in users read profiles; signed-out clients read and write nothing', async () => {
    await push(admin, 'users/dave', { displayName: 'Dave', isOnline: false, deleted: false });
    const snapshot = await getDoc(doc(carol, 'users/dave'));
    expect(snapshot.get('displayName')).toBe('Dave');
    await denied(getDoc(doc(anonymous, 'users/dave')));
    await denied(push(anonymous, 'users/dave', { isOnline: true }));
  });

  it('a write must carry the server time and a boolean tombstone', async () => {
    await denied(setDoc(doc(alice, 'users/alice'), { displayName: 'A', updatedAt: Timestamp.fromMillis(1) }, { merge: true }));
    await denied(push(alice, 'users/alice', { deleted: 'no' }));
  });

  it('profiles are never hard-deleted', async () => {
    await push(alice, 'users/alice', { displayName: 'Alice', isOnline: false, deleted: false });
    await denied(deleteDoc(doc(alice, 'users/alice')));
    await allowed(push(alice, 'users/alice', { deleted: true }));
  });
});

describe('conversations', () => {
  it('a user creates a group they own and a direct conversation of their pair, and replays the creates', async () => {
    const id = newId('conv');
    await allowed(push(alice, `conversations/${id}`, groupFields('alice', ['bob'])));
    await allowed(push(alice, `conversations/${id}`, groupFields('alice', ['bob'])));
    const direct = directConversationId('alice', `bob-${newId('u')}`);
    const other = direct.split('_')[2]!;
    await allowed(push(alice, `conversations/${direct}`, directFields('alice', other)));
    await allowed(push(alice, `conversations/${direct}`, directFields('alice', other)));
  });

  it('both of a pair create their direct conversation (offline on two devices): one document', async () => {
    const bobId = `bob-${newId('u')}`;
    const direct = directConversationId('alice', bobId);
    const bobDb = project.connect(bobId);
    await allowed(push(alice, `conversations/${direct}`, directFields('alice', bobId)));
    await allowed(push(bobDb, `conversations/${direct}`, { ...directFields(bobId, 'alice'), lastActivityAt: Timestamp.fromMillis(1_700_000_100_000) }));
    expect((await getDoc(doc(bobDb, `conversations/${direct}`))).get('participantIds')).toEqual(['alice', bobId].sort());
  });

  it('a user cannot create a conversation without themselves, or in another’s name', async () => {
    await denied(push(carol, `conversations/${newId('conv')}`, groupFields('alice', ['bob'])));
    await denied(push(carol, `conversations/${newId('conv')}`, { ...groupFields('carol'), createdBy: 'bob' }));
    await denied(push(anonymous, `conversations/${newId('conv')}`, groupFields('alice', ['bob'])));
  });

  it('participants read a conversation; others and signed-out clients do not', async () => {
    const id = await seedConversation();
    expect((await getDoc(doc(bob, `conversations/${id}`))).get('participantIds')).toEqual(['alice', 'bob']);
    await denied(getDoc(doc(carol, `conversations/${id}`)));
    await denied(getDoc(doc(anonymous, `conversations/${id}`)));
  });

  it('listing needs the participantIds filter on one’s own uid', async () => {
    const id = await seedConversation();
    const mine = await getDocs(query(collection(bob, 'conversations'), where('participantIds', 'array-contains', 'bob')));
    expect(mine.docs.map((d) => d.id)).toContain(id);
    await denied(getDocs(collection(bob, 'conversations')));
    await denied(getDocs(query(collection(carol, 'conversations'), where('participantIds', 'array-contains', 'bob'))));
  });

  it('members edit a group and invite; the invitee sees the invitation, accepts, then reads messages', async () => {
    const id = await seedConversation();
    const messageId = await seedMessage(id, 'alice');
    await allowed(push(bob, `conversations/${id}`, { groupName: 'Lunch', lastMessage: { text: 'hi', senderId: 'bob', sentAt: 1_700_000_000_000 } }));
    await allowed(push(alice, `conversations/${id}`, { invitedIds: arrayUnion('carol') }));
    expect((await getDoc(doc(carol, `conversations/${id}`))).get('groupName')).toBe('Lunch');
    const invitations = await getDocs(query(collection(carol, 'conversations'), where('invitedIds', 'array-contains', 'carol')));
    expect(invitations.docs.map((d) => d.id)).toContain(id);
    await denied(getDoc(doc(carol, `conversations/${id}/messages/${messageId}`)));
    await allowed(push(carol, `conversations/${id}`, { participantIds: arrayUnion('carol') }));
    await allowed(push(carol, `conversations/${id}`, { invitedIds: [] }));
    expect((await getDoc(doc(carol, `conversations/${id}/messages/${messageId}`))).get('text')).toBe('hello');
  });

  it('an invitee declines', async () => {
    const id = await seedConversation();
    await allowed(push(alice, `conversations/${id}`, { invitedIds: arrayUnion('carol') }));
    await allowed(push(carol, `conversations/${id}`, { invitedIds: [] }));
    await denied(getDoc(doc(carol, `conversations/${id}`)));
  });

  it('the owner removes a member', async () => {
    const id = await seedConversation(['alice', 'bob', 'carol']);
    await allowed(push(alice, `conversations/${id}`, { participantIds: arrayRemove('carol') }));
    await denied(getDoc(doc(carol, `conversations/${id}`)));
  });

  it('a non-participant cannot write a conversation nor add themselves to it', async () => {
    const id = await seedConversation();
    await denied(push(carol, `conversations/${id}`, { groupName: 'Mine now' }));
    await denied(push(carol, `conversations/${id}`, { participantIds: arrayUnion('carol') }));
    await denied(push(carol, `conversations/${id}`, { ...groupFields('carol'), participantIds: ['alice', 'bob', 'carol'] }));
  });

  it('a participant may leave but not remove others, nor change type or creator', async () => {
    const id = await seedConversation(['alice', 'bob', 'carol']);
    await denied(push(bob, `conversations/${id}`, { participantIds: arrayRemove('alice') }));
    await denied(push(bob, `conversations/${id}`, { type: 'direct' }));
    await denied(push(bob, `conversations/${id}`, { createdBy: 'bob' }));
    await allowed(push(bob, `conversations/${id}`, { participantIds: arrayRemove('bob') }));
    await denied(getDoc(doc(bob, `conversations/${id}`)));
  });

  it('conversations are tombstoned, never hard-deleted', async () => {
    const id = await seedConversation();
    await denied(deleteDoc(doc(alice, `conversations/${id}`)));
    await allowed(push(alice, `conversations/${id}`, { deleted: true }));
  });
});

describe('messages', () => {
  const messagePath = (conversationId: string, id: string) => `conversations/${conversationId}/messages/${id}`;

  it('a participant sends a message as themselves, and replays the send', async () => {
    const conversationId = await seedConversation();
    const id = newId('msg');
    await allowed(push(alice, messagePath(conversationId, id), messageFields(conversationId, 'alice', id)));
    await allowed(push(alice, messagePath(conversationId, id), messageFields(conversationId, 'alice', id)));
  });

  it('a new conversation and its first message can be pushed in one batch', async () => {
    const conversationId = newId('conv');
    const id = newId('msg');
    const batch = writeBatch(alice);
    batch.set(doc(alice, `conversations/${conversationId}`), { ...groupFields('alice', ['bob']), updatedAt: serverTimestamp() }, { merge: true });
    batch.set(doc(alice, messagePath(conversationId, id)), { ...messageFields(conversationId, 'alice', id), updatedAt: serverTimestamp() }, { merge: true });
    await allowed(batch.commit());
  });

  it('a message with a forged senderId is refused', async () => {
    const conversationId = await seedConversation();
    const id = newId('msg');
    await denied(push(alice, messagePath(conversationId, id), messageFields(conversationId, 'bob', id)));
  });

  it('a non-participant cannot send, even as themselves', async () => {
    const conversationId = await seedConversation();
    const id = newId('msg');
    await denied(push(carol, messagePath(conversationId, id), messageFields(conversationId, 'carol', id)));
    await denied(push(carol, messagePath(newId('conv'), id), messageFields('nowhere', 'carol', id)));
  });

  it('a message cannot claim another conversation or carry others’ receipts at creation', async () => {
    const conversationId = await seedConversation();
    const other = await seedConversation();
    const id = newId('msg');
    await denied(push(alice, messagePath(conversationId, id), messageFields(other, 'alice', id)));
    await denied(push(alice, messagePath(conversationId, id), { ...messageFields(conversationId, 'alice', id), readBy: ['alice', 'bob'] }));
  });

  it('message content is immutable, for the sender and for others', async () => {
    const conversationId = await seedConversation();
    const id = await seedMessage(conversationId, 'alice');
    const path = messagePath(conversationId, id);
    await denied(push(alice, path, { text: 'edited' }));
    await denied(push(bob, path, { text: 'edited' }));
    await denied(push(alice, path, { senderId: 'bob' }));
    await denied(push(alice, path, { timestamp: Timestamp.fromMillis(1) }));
    await denied(push(alice, path, { conversationId: 'elsewhere' }));
  });

  it('participants read messages; others and signed-out clients do not', async () => {
    const conversationId = await seedConversation();
    const id = await seedMessage(conversationId);
    const seen = await getDocs(collection(bob, `conversations/${conversationId}/messages`));
    expect(seen.docs.map((d) => d.id)).toEqual([id]);
    await denied(getDocs(collection(carol, `conversations/${conversationId}/messages`)));
    await denied(getDoc(doc(carol, messagePath(conversationId, id))));
    await denied(getDoc(doc(anonymous, messagePath(conversationId, id))));
  });

  it('a participant adds themselves to readBy and deliveredTo', async () => {
    const conversationId = await seedConversation();
    const id = await seedMessage(conversationId, 'alice');
    const path = messagePath(conversationId, id);
    await allowed(push(bob, path, { deliveredTo: arrayUnion('bob') }));
    await allowed(push(bob, path, { readBy: arrayUnion('bob') }));
    await allowed(push(bob, path, { readBy: arrayUnion('bob') }));
    const message = await getDoc(doc(alice, path));
    expect(message.get('readBy')).toEqual(['alice', 'bob']);
    expect(message.get('deliveredTo')).toEqual(['bob']);
  });

  it('receipts only grow, and only by the writer', async () => {
    const conversationId = await seedConversation(['alice', 'bob', 'carol']);
    const id = await seedMessage(conversationId, 'alice');
    const path = messagePath(conversationId, id);
    await denied(push(bob, path, { readBy: arrayUnion('carol') }));
    await denied(push(bob, path, { readBy: arrayRemove('alice') }));
    await denied(push(bob, path, { deliveredTo: ['bob', 'carol'] }));
  });

  it('a non-participant cannot write receipts', async () => {
    const conversationId = await seedConversation();
    const id = await seedMessage(conversationId, 'alice');
    await denied(push(carol, messagePath(conversationId, id), { readBy: arrayUnion('carol') }));
    await denied(push(anonymous, messagePath(conversationId, id), { deliveredTo: arrayUnion('nobody') }));
  });

  it('only the sender tombstones a message, and nobody hard-deletes it', async () => {
    const conversationId = await seedConversation();
    const id = await seedMessage(conversationId, 'alice');
    const path = messagePath(conversationId, id);
    await denied(push(bob, path, { deleted: true }));
    await denied(deleteDoc(doc(alice, path)));
    await allowed(push(alice, path, { deleted: true }));
  });
});
