// The attack suite of the chat's security rules (firestore.rules) on the emulator: a malicious
// participant, a non-participant and a signed-out client try what the rules must refuse. The
// first part is generic: for every collection of `chatCollections` and every field, writes
// that break the field's declaration (type, limit, legacy, immutable, literal or future time,
// unknown key, missing required field) are refused, each next to the same write with a valid
// value being accepted, so a refusal is the value's and not the writer's. The second part is
// the domain's attacks: squatting direct conversations, impersonation and forged previews,
// joining without consent, others' receipts, reading and listing what one may not, paths
// outside the model.
import { deleteApp, initializeApp } from 'firebase/app';
import {
  arrayRemove, arrayUnion, collection, connectFirestoreEmulator, doc, documentId, getDoc, getDocs, getFirestore, query, serverTimestamp, setDoc,
  setLogLevel, terminate, Timestamp, where, type Firestore,
} from 'firebase/firestore';
import type { CollectionDef, FieldSpec } from 'localfire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestProject, emulatorHost, readChatRules, type TestProject } from '../../../test-support/firestore.js';
import { CHAT_LIMITS, chatCollections, directConversationId } from '../src/index.js';

let project: TestProject;
let admin: Firestore;
let anonymous: Firestore;
const extra: Firestore[] = [];
let seq = 0;

beforeAll(async () => {
  setLogLevel('silent');
  project = await createTestProject({ label: 'chat-rules-attacks', rules: readChatRules() });
  admin = project.connectAdmin();
  anonymous = project.connect(null);
});

afterAll(async () => {
  for (const db of extra) {
    await terminate(db);
    await deleteApp(db.app).catch(() => undefined);
  }
  await project.dispose();
});

const uid = (name: string) => `${name}-${++seq}`;
const connect = (userId: string) => project.connect(userId);

/** Signed in as `userId` with an email in the token (what `request.auth.token.email` reads). */
function connectWithEmail(userId: string, email: string): Firestore {
  const app = initializeApp({ projectId: project.projectId, apiKey: 'test-api-key' }, `attacks-${process.pid}-${++seq}`);
  const db = getFirestore(app);
  const host = emulatorHost();
  const at = host.lastIndexOf(':');
  connectFirestoreEmulator(db, host.slice(0, at), Number(host.slice(at + 1)), { mockUserToken: { user_id: userId, email } });
  extra.push(db);
  return db;
}

const allowed = async (write: Promise<unknown>): Promise<void> => {
  await expect(write).resolves.not.toThrow();
};
const denied = async (attempt: Promise<unknown>): Promise<void> => {
  await expect(attempt).rejects.toMatchObject({ code: 'permission-denied' });
};

/** A push as the sync engine makes it: a merge of the fields, stamped with the server time. */
const push = (db: Firestore, path: string, fields: Record<string, unknown>) =>
  setDoc(doc(db, path), { ...fields, updatedAt: serverTimestamp() }, { merge: true });

const NOW = () => Timestamp.fromMillis(Date.now());
const FAR_FUTURE = () => Timestamp.fromMillis(Date.now() + 24 * 3600_000);

/** A document of one collection that its writer may create, as the app writes it. */
interface Fresh {
  readonly db: Firestore;
  readonly path: string;
  readonly data: Record<string, unknown>;
}

/** One writer and one valid new document per collection (every optional field set). */
const FRESH: Record<string, () => Promise<Fresh>> = {
  users: () => {
    const me = uid('user');
    return Promise.resolve({ db: connect(me), path: `users/${me}`, data: { displayName: 'Me', profileImageUrl: 'https://example.com/me.png', isOnline: true, lastSeen: NOW(), deleted: false } });
  },
  private_profiles: () => {
    const me = uid('user');
    return Promise.resolve({ db: connectWithEmail(me, `${me}@example.com`), path: `privateProfiles/${me}`, data: { email: `${me}@example.com`, settings: { theme: 'dark' }, deleted: false } });
  },
  conversations: () => {
    const me = uid('owner');
    const id = uid('group');
    return Promise.resolve({
      db: connect(me),
      path: `conversations/${id}`,
      data: {
        type: 'group', participantIds: [me], invitedIds: [uid('friend')], groupName: 'Team', groupImageUrl: 'https://example.com/g.png', createdBy: me,
        lastMessage: { text: 'hi', senderId: me, sentAt: Date.now() }, lastActivityAt: NOW(), deleted: false,
      },
    });
  },
  messages: async () => {
    const me = uid('sender');
    const conversationId = uid('conv');
    await push(admin, `conversations/${conversationId}`, { type: 'group', participantIds: [me], createdBy: me, lastActivityAt: NOW(), deleted: false });
    const id = uid('msg');
    return {
      db: connect(me),
      path: `conversations/${conversationId}/messages/${id}`,
      data: { conversationId, senderId: me, text: 'hello', timestamp: NOW(), readBy: [me], deliveredTo: [], localId: id, deleted: false },
    };
  },
};

/** A value of the wrong type for a field of this kind (`undefined`: any value is of the kind). */
function mistyped(spec: FieldSpec): unknown {
  switch (spec.kind) {
    case 'string': return 42;
    case 'number': return 'many';
    case 'integer': return 1.5;
    case 'boolean': return 'yes';
    case 'date': return '2024-01-01';
    case 'set': return 'alice';
    case 'json': return undefined;
  }
}

/** A string of `n` UTF-16 code units, not ASCII (so a limit in bytes would show). */
const chars = (n: number) => 'é'.repeat(n);

const collections = chatCollections as readonly CollectionDef[];
const writable = (def: CollectionDef) => def.fieldNames.filter((f) => def.fields[f]!.legacy !== true);
const cases = (pick: (def: CollectionDef, name: string, spec: FieldSpec) => boolean) =>
  collections.flatMap((def) => def.fieldNames.filter((name) => pick(def, name, def.fields[name]!)).map((name) => ({ collection: def.name, field: name, spec: def.fields[name]! })));

describe('generic: every collection and field, from the collection definitions', () => {
  it.each(collections.map((d) => d.name))('%s: the valid document is accepted, and replayed', async (name) => {
    const { db, path, data } = await FRESH[name]!();
    await allowed(push(db, path, data));
    await allowed(push(db, path, data));
  });

  it.each(collections.map((d) => d.name))('%s: an unknown key is refused, at create and at update', async (name) => {
    const { db, path, data } = await FRESH[name]!();
    await denied(push(db, path, { ...data, isAdmin: true }));
    await allowed(push(db, path, data));
    await denied(push(db, path, { isAdmin: true }));
  });

  it.each(collections.map((d) => d.name))('%s: a literal updatedAt or a non-boolean tombstone is refused', async (name) => {
    const { db, path, data } = await FRESH[name]!();
    await denied(setDoc(doc(db, path), { ...data, updatedAt: Timestamp.fromMillis(Date.now()) }, { merge: true }));
    await denied(push(db, path, { ...data, deleted: 'no' }));
    await allowed(push(db, path, data));
    await denied(setDoc(doc(db, path), { updatedAt: Timestamp.fromMillis(1) }, { merge: true }));
  });

  it.each(collections.map((d) => d.name))('%s: a signed-out client reads and writes nothing', async (name) => {
    const { db, path, data } = await FRESH[name]!();
    await denied(push(anonymous, path, data));
    await allowed(push(db, path, data));
    await denied(getDoc(doc(anonymous, path)));
    await denied(push(anonymous, path, { deleted: true }));
  });

  it.each(cases((def, _n, spec) => !spec.optional && spec.legacy !== true && !def.parentFields.includes(_n)))('$collection / $field: a create without it is refused', async ({ collection: name, field }) => {
    const { db, path, data } = await FRESH[name]!();
    const { [field]: _dropped, ...rest } = data;
    await denied(push(db, path, rest));
  });

  it.each(cases((_d, _n, spec) => mistyped(spec) !== undefined))('$collection / $field: a value of the wrong type is refused, at create and at update', async ({ collection: name, field, spec }) => {
    const { db, path, data } = await FRESH[name]!();
    await denied(push(db, path, { ...data, [field]: mistyped(spec) }));
    await allowed(push(db, path, data));
    await denied(push(db, path, { [field]: mistyped(spec) }));
  });

  it.each(cases((_d, _n, spec) => spec.maxLength !== undefined))('$collection / $field: at most maxLength characters', async ({ collection: name, field, spec }) => {
    const max = spec.maxLength!;
    const { db, path, data } = await FRESH[name]!();
    const at = typeof data[field] === 'string' && /^(type|createdBy|senderId|email)$/.test(field) ? undefined : chars(max);
    if (at === undefined) {
      // Fields whose value the rules also tie to the writer or the path: only the limit's breach is tried.
      await denied(push(db, path, { ...data, [field]: 'x'.repeat(max + 1) }));
      return;
    }
    await denied(push(db, path, { ...data, [field]: chars(max + 1) }));
    await allowed(push(db, path, { ...data, [field]: at }));
    await denied(push(db, path, { [field]: `${at}x` }));
  });

  it.each(cases((_d, _n, spec) => spec.maxItems !== undefined && spec.kind === 'set'))('$collection / $field: at most maxItems items', async ({ collection: name, field, spec }) => {
    const { db, path, data } = await FRESH[name]!();
    const many = Array.from({ length: spec.maxItems! + 1 }, (_, i) => `u${i}`);
    await denied(push(db, path, { ...data, [field]: [...(data[field] as string[]), ...many] }));
  });

  it.each(cases((_d, _n, spec) => spec.maxItems !== undefined && spec.kind === 'json'))('$collection / $field: a JSON value of at most maxItems keys', async ({ collection: name, field, spec }) => {
    const { db, path, data } = await FRESH[name]!();
    const big = Object.fromEntries(Array.from({ length: spec.maxItems! + 1 }, (_, i) => [`k${i}`, i]));
    await denied(push(db, path, { ...data, [field]: { ...(data[field] as object), ...big } }));
  });

  it.each(cases((_d, _n, spec) => spec.maxFutureMs !== undefined))('$collection / $field: a time far past the server’s is refused', async ({ collection: name, field }) => {
    const { db, path, data } = await FRESH[name]!();
    await denied(push(db, path, { ...data, [field]: FAR_FUTURE() }));
  });

  it.each(cases((_d, _n, spec) => spec.legacy === true))('$collection / $field: a legacy field is never written', async ({ collection: name, field, spec }) => {
    const { db, path, data } = await FRESH[name]!();
    const value = spec.kind === 'json' ? { someone: { displayName: 'Alice' } } : spec.kind === 'date' ? NOW() : 'Alice';
    await denied(push(db, path, { ...data, [field]: value }));
    await allowed(push(db, path, data));
    await denied(push(db, path, { [field]: value }));
  });

  it.each(cases((_d, _n, spec) => spec.merge === 'immutable' && spec.legacy !== true))('$collection / $field: an immutable field never changes', async ({ collection: name, field, spec }) => {
    const { db, path, data } = await FRESH[name]!();
    await allowed(push(db, path, data));
    const other = spec.kind === 'date' ? Timestamp.fromMillis(1_600_000_000_000) : field === 'type' ? 'direct' : 'someone-else';
    await denied(push(db, path, { [field]: other }));
  });

  it.each(collections.map((d) => d.name))('%s: the valid document sets every writable field, so every field is attacked from a document that has it', async (name) => {
    const { data } = await FRESH[name]!();
    const def = collections.find((d) => d.name === name)!;
    expect(Object.keys(data).sort()).toEqual([...writable(def), 'deleted'].sort());
  });
});

describe('direct conversations are exactly their pair', () => {
  it('a squatter cannot create the direct conversation of two others, with or without themselves', async () => {
    const [a, b, mallory] = [uid('a'), uid('b'), uid('mallory')];
    const id = directConversationId(a, b);
    const db = connect(mallory);
    const direct = (participantIds: string[]) => ({ type: 'direct', participantIds, lastActivityAt: NOW(), deleted: false });
    await denied(push(db, `conversations/${id}`, direct([a, b, mallory].sort())));
    await denied(push(db, `conversations/${id}`, direct([a, b].sort())));
    await denied(push(db, `conversations/${id}`, { type: 'group', participantIds: [mallory], createdBy: mallory, lastActivityAt: NOW(), deleted: false }));
    // The pair's own create is accepted, and only at the id derived from the pair.
    const aDb = connect(a);
    await denied(push(aDb, `conversations/${directConversationId(a, mallory)}`, direct([a, b].sort())));
    await denied(push(aDb, `conversations/${uid('random')}`, direct([a, b].sort())));
    await denied(push(aDb, `conversations/${id}`, direct([b, a].sort().reverse())));
    await denied(push(aDb, `conversations/${id}`, { ...direct([a, b].sort()), createdBy: a }));
    await denied(push(aDb, `conversations/${id}`, { ...direct([a, b].sort()), invitedIds: [mallory] }));
    await allowed(push(aDb, `conversations/${id}`, direct([a, b].sort())));
  });

  it('the id encoding is the one directConversationId uses, so a uid with "_" cannot alias another pair', async () => {
    const [a, b] = [`x_${uid('a')}`, uid('b')];
    const db = connect(a);
    await allowed(push(db, `conversations/${directConversationId(a, b)}`, { type: 'direct', participantIds: [a, b].sort(), lastActivityAt: NOW(), deleted: false }));
    const naive = `direct_${[a, b].sort().join('_')}`;
    await denied(push(db, `conversations/${naive}`, { type: 'direct', participantIds: [a, b].sort(), lastActivityAt: NOW(), deleted: false }));
  });

  it('the participants of a direct conversation never change: no third user, no leaving, no invitations, no name', async () => {
    const [a, b, c] = [uid('a'), uid('b'), uid('c')];
    const id = directConversationId(a, b);
    const aDb = connect(a);
    await allowed(push(aDb, `conversations/${id}`, { type: 'direct', participantIds: [a, b].sort(), lastActivityAt: NOW(), deleted: false }));
    await denied(push(aDb, `conversations/${id}`, { participantIds: arrayUnion(c) }));
    await denied(push(aDb, `conversations/${id}`, { participantIds: arrayRemove(a) }));
    await denied(push(aDb, `conversations/${id}`, { invitedIds: arrayUnion(c) }));
    await denied(push(aDb, `conversations/${id}`, { groupName: 'Ours' }));
    await denied(push(connect(c), `conversations/${id}`, { participantIds: arrayUnion(c) }));
    await allowed(push(aDb, `conversations/${id}`, { lastMessage: { text: 'hi', senderId: a, sentAt: Date.now() }, lastActivityAt: NOW() }));
  });
});

describe('names and previews come from their owner', () => {
  async function group(): Promise<{ id: string; a: string; b: string; aDb: Firestore }> {
    const [a, b] = [uid('a'), uid('b')];
    const id = uid('group');
    await push(admin, `conversations/${id}`, { type: 'group', participantIds: [a, b], createdBy: a, lastActivityAt: NOW(), deleted: false });
    return { id, a, b, aDb: connect(a) };
  }

  it('a message cannot carry a name, nor be sent as another member', async () => {
    const { id, a, b, aDb } = await group();
    const m = uid('msg');
    const message = { conversationId: id, senderId: a, text: 'hi', timestamp: NOW(), readBy: [a], deliveredTo: [], localId: m, deleted: false };
    await denied(push(aDb, `conversations/${id}/messages/${m}`, { ...message, senderName: 'The Boss' }));
    await denied(push(aDb, `conversations/${id}/messages/${m}`, { ...message, senderId: b, readBy: [b] }));
    await allowed(push(aDb, `conversations/${id}/messages/${m}`, message));
  });

  it('a member cannot rename others in the conversation (no names are stored there)', async () => {
    const { id, b, aDb } = await group();
    await denied(push(aDb, `conversations/${id}`, { participants: { [b]: { displayName: 'Idiot' } } }));
  });

  it('the preview is the writer’s own: no other sender, no name, an excerpt, no invented time', async () => {
    const { id, a, b, aDb } = await group();
    const preview = { text: 'hi', senderId: a, sentAt: Date.now() };
    await denied(push(aDb, `conversations/${id}`, { lastMessage: { ...preview, senderId: b } }));
    await denied(push(aDb, `conversations/${id}`, { lastMessage: { ...preview, senderName: 'B' } }));
    await denied(push(aDb, `conversations/${id}`, { lastMessage: { text: 'hi', sentAt: Date.now() } }));
    await denied(push(aDb, `conversations/${id}`, { lastMessage: { ...preview, text: chars(CHAT_LIMITS.previewText + 1) } }));
    await denied(push(aDb, `conversations/${id}`, { lastMessage: { ...preview, text: 7 } }));
    await denied(push(aDb, `conversations/${id}`, { lastMessage: { ...preview, sentAt: Date.now() + 24 * 3600_000 } }));
    await denied(push(aDb, `conversations/${id}`, { lastMessage: 'hi' }));
    await denied(push(aDb, `conversations/${id}`, { lastMessageText: 'hi', lastMessageSenderId: b, lastMessageSenderName: 'B' }));
    await allowed(push(aDb, `conversations/${id}`, { lastMessage: { ...preview, text: chars(CHAT_LIMITS.previewText) } }));
  });

  it('a public profile carries no email, and nobody claims an email that is not their sign-in’s', async () => {
    const me = uid('user');
    const db = connectWithEmail(me, `${me}@example.com`);
    await denied(push(db, `users/${me}`, { displayName: 'Me', isOnline: false, email: 'alice@example.com', deleted: false }));
    await denied(push(db, `privateProfiles/${me}`, { email: 'alice@example.com', deleted: false }));
    await allowed(push(db, `privateProfiles/${me}`, { email: `${me}@example.com`, deleted: false }));
    await denied(push(db, `privateProfiles/${me}`, { email: 'alice@example.com' }));
    await denied(push(connect(uid('noemail')), `privateProfiles/${me}`, { settings: {}, deleted: false }));
  });

  it('nobody writes another user’s public or private profile', async () => {
    const [me, other] = [uid('user'), uid('other')];
    await push(admin, `users/${other}`, { displayName: 'Other', isOnline: false, deleted: false });
    const db = connectWithEmail(me, `${other}@example.com`);
    await denied(push(db, `users/${other}`, { displayName: 'Hacked' }));
    await denied(push(db, `privateProfiles/${other}`, { email: `${other}@example.com`, deleted: false }));
  });
});

describe('profiles reveal only what a chat needs', () => {
  it('public profiles are read by id only: never listed, never looked up by a field', async () => {
    const [me, a, b] = [uid('me'), uid('a'), uid('b')];
    for (const id of [a, b]) await push(admin, `users/${id}`, { displayName: id, isOnline: false, deleted: false });
    const db = connect(me);
    expect((await getDoc(doc(db, `users/${a}`))).get('displayName')).toBe(a);
    const byIds = await getDocs(query(collection(db, 'users'), where(documentId(), 'in', [a, b])));
    expect(byIds.docs.map((d) => d.id).sort()).toEqual([a, b].sort());
    await denied(getDocs(collection(db, 'users')));
    await denied(getDocs(query(collection(db, 'users'), where('displayName', '==', a))));
    await denied(getDocs(query(collection(db, 'users'), where('email', '==', `${a}@example.com`))));
    await denied(getDocs(query(collection(db, 'users'), where(documentId(), '>=', 'a'))));
    await denied(getDoc(doc(anonymous, `users/${a}`)));
  });

  it('a private profile is read by its owner only', async () => {
    const [me, other] = [uid('me'), uid('other')];
    await push(admin, `privateProfiles/${other}`, { email: `${other}@example.com`, deleted: false });
    await push(admin, `privateProfiles/${me}`, { email: `${me}@example.com`, deleted: false });
    const db = connect(me);
    await denied(getDoc(doc(db, `privateProfiles/${other}`)));
    await denied(getDocs(collection(db, 'privateProfiles')));
    await denied(getDocs(query(collection(db, 'privateProfiles'), where('email', '==', `${other}@example.com`))));
    expect((await getDocs(query(collection(db, 'privateProfiles'), where(documentId(), 'in', [me])))).docs.map((d) => d.get('email') as unknown)).toEqual([`${me}@example.com`]);
  });
});

describe('group membership by consent', () => {
  async function group(): Promise<{ id: string; owner: string; member: string; ownerDb: Firestore; memberDb: Firestore }> {
    const [owner, member] = [uid('owner'), uid('member')];
    const id = uid('group');
    await push(admin, `conversations/${id}`, { type: 'group', participantIds: [owner, member], createdBy: owner, lastActivityAt: NOW(), deleted: false });
    return { id, owner, member, ownerDb: connect(owner), memberDb: connect(member) };
  }

  it('a group starts with its owner alone: nobody is made a member at creation', async () => {
    const [owner, friend] = [uid('owner'), uid('friend')];
    const db = connect(owner);
    const base = { type: 'group', createdBy: owner, lastActivityAt: NOW(), deleted: false };
    await denied(push(db, `conversations/${uid('group')}`, { ...base, participantIds: [owner, friend] }));
    await denied(push(db, `conversations/${uid('group')}`, { ...base, participantIds: [owner], createdBy: friend }));
    await denied(push(db, `conversations/${uid('group')}`, { ...base, participantIds: [owner], invitedIds: [owner] }));
    await allowed(push(db, `conversations/${uid('group')}`, { ...base, participantIds: [owner], invitedIds: [friend] }));
  });

  it('members invite, they do not add; only non-members are invited, but by the owner', async () => {
    const { id, owner, member, memberDb, ownerDb } = await group();
    const guest = uid('guest');
    await denied(push(memberDb, `conversations/${id}`, { participantIds: arrayUnion(guest) }));
    await denied(push(memberDb, `conversations/${id}`, { invitedIds: arrayUnion(owner) }));
    await allowed(push(memberDb, `conversations/${id}`, { invitedIds: arrayUnion(guest) }));
    // The owner's create landing again after a lost acknowledgement re-lists a member who joined since.
    await allowed(push(ownerDb, `conversations/${id}`, { invitedIds: arrayUnion(member) }));
    await denied(push(ownerDb, `conversations/${id}`, { participantIds: arrayUnion(guest) }));
  });

  it('an invitee reads the conversation but no message until they accept', async () => {
    const { id, owner, ownerDb } = await group();
    const guest = uid('guest');
    const m = uid('msg');
    await push(admin, `conversations/${id}/messages/${m}`, { conversationId: id, senderId: owner, text: 'secret', timestamp: NOW(), readBy: [owner], deliveredTo: [], localId: m, deleted: false });
    await allowed(push(ownerDb, `conversations/${id}`, { invitedIds: arrayUnion(guest) }));
    const guestDb = connect(guest);
    await allowed(getDoc(doc(guestDb, `conversations/${id}`)));
    await denied(getDoc(doc(guestDb, `conversations/${id}/messages/${m}`)));
    await denied(getDocs(collection(guestDb, `conversations/${id}/messages`)));
    const n = uid('msg');
    await denied(push(guestDb, `conversations/${id}/messages/${n}`, { conversationId: id, senderId: guest, text: 'hi', timestamp: NOW(), readBy: [guest], deliveredTo: [], localId: n, deleted: false }));
    await denied(push(guestDb, `conversations/${id}/messages/${m}`, { readBy: arrayUnion(guest) }));
  });

  it('an invitee accepts only for themselves, and changes nothing else', async () => {
    const { id, ownerDb } = await group();
    const [guest, friend] = [uid('guest'), uid('friend')];
    await allowed(push(ownerDb, `conversations/${id}`, { invitedIds: arrayUnion(guest, friend) }));
    const guestDb = connect(guest);
    await denied(push(guestDb, `conversations/${id}`, { participantIds: arrayUnion(guest, uid('stranger')) }));
    await denied(push(guestDb, `conversations/${id}`, { participantIds: arrayUnion(friend) }));
    await denied(push(guestDb, `conversations/${id}`, { participantIds: arrayUnion(guest), groupName: 'Mine' }));
    await denied(push(guestDb, `conversations/${id}`, { invitedIds: [] }));
    await denied(push(guestDb, `conversations/${id}`, { participantIds: arrayUnion(guest), invitedIds: arrayUnion(uid('stranger')) }));
    await allowed(push(guestDb, `conversations/${id}`, { participantIds: arrayUnion(guest) }));
  });

  it('nobody joins without an invitation', async () => {
    const { id } = await group();
    const stranger = uid('stranger');
    const db = connect(stranger);
    await denied(getDoc(doc(db, `conversations/${id}`)));
    await denied(push(db, `conversations/${id}`, { participantIds: arrayUnion(stranger) }));
    await denied(push(db, `conversations/${id}`, { invitedIds: arrayUnion(stranger) }));
  });

  it('only the owner removes other members; a member leaves', async () => {
    const { id, owner, member, memberDb } = await group();
    await denied(push(memberDb, `conversations/${id}`, { participantIds: arrayRemove(owner) }));
    await allowed(push(memberDb, `conversations/${id}`, { participantIds: arrayRemove(member) }));
  });
});

describe('receipts, content and reads', () => {
  async function withMessage(): Promise<{ path: string; a: string; b: string; c: string }> {
    const [a, b, c] = [uid('a'), uid('b'), uid('c')];
    const id = uid('group');
    await push(admin, `conversations/${id}`, { type: 'group', participantIds: [a, b, c], createdBy: a, lastActivityAt: NOW(), deleted: false });
    const m = uid('msg');
    await push(admin, `conversations/${id}/messages/${m}`, { conversationId: id, senderId: a, text: 'hello', timestamp: NOW(), readBy: [a], deliveredTo: [], localId: m, deleted: false });
    return { path: `conversations/${id}/messages/${m}`, a, b, c };
  }

  it('a member grows only their own receipts', async () => {
    const { path, a, b, c } = await withMessage();
    const bDb = connect(b);
    await denied(push(bDb, path, { readBy: arrayUnion(c) }));
    await denied(push(bDb, path, { deliveredTo: [b, c] }));
    await denied(push(bDb, path, { readBy: arrayRemove(a) }));
    await denied(push(bDb, path, { readBy: 'b' }));
    await allowed(push(bDb, path, { readBy: arrayUnion(b), deliveredTo: arrayUnion(b) }));
  });

  it('nobody edits or tombstones another’s message; a non-member reads none', async () => {
    const { path, b } = await withMessage();
    const bDb = connect(b);
    await denied(push(bDb, path, { text: 'edited' }));
    await denied(push(bDb, path, { deleted: true }));
    await denied(push(bDb, path, { senderName: 'A' }));
    const outsider = connect(uid('outsider'));
    await denied(getDoc(doc(outsider, path)));
    await denied(push(outsider, path, { readBy: arrayUnion('outsider') }));
  });
});

describe('paths outside the model', () => {
  it.each([
    'admins/me',
    'users/x/private/settings',
    'conversations/c/other/d',
    'conversations/c/messages/m/replies/r',
    'privateProfiles/x/more/y',
  ])('%s: nothing is read or written there', async (path) => {
    const me = uid('user');
    const db = connect(me);
    await denied(push(db, path.replace(/\bx\b/, me), { anything: true }));
    await denied(getDoc(doc(db, path.replace(/\bx\b/, me))));
  });
});
