// Demo data for `npm start` and the end-to-end tests: the demo users (public profile, and the
// private one with their email), a few conversations and their messages, and an invitation of
// Dave to a group, written straight to the emulator with the owner token (rules bypassed), in
// the document shape localfire reads (fields + `updatedAt` server time + `deleted: false`),
// which the shipped rules also accept. Names are not stored in conversations or messages:
// screens show each person's profile name.
import { deleteApp, initializeApp } from 'firebase/app';
import { Timestamp, connectFirestoreEmulator, doc, getFirestore, serverTimestamp, terminate, writeBatch } from 'firebase/firestore';
import type { Firestore } from 'firebase/firestore';
import { directConversationId, excerpt } from '@localfire/chat-model';
import { DEMO_USERS } from '../src/demo/demo-users.js';

/** A message of the demo script: who, how many minutes ago, what, and who has read it. */
interface SeedMessage {
  readonly from: string;
  readonly minutesAgo: number;
  readonly text: string;
  readonly readBy?: readonly string[];
}

interface SeedConversation {
  readonly id: string;
  readonly members: readonly string[];
  readonly groupName?: string;
  readonly createdBy?: string;
  /** Users invited to the group who have not accepted yet. */
  readonly invited?: readonly string[];
  readonly messages: readonly SeedMessage[];
}

const ALL = ['alice', 'bob', 'carol', 'dave'];

/** The demo's conversations. Times are relative to the seeding time. */
export const DEMO_CONVERSATIONS: readonly SeedConversation[] = [
  {
    id: directConversationId('alice', 'bob'),
    members: ['alice', 'bob'],
    messages: [
      { from: 'bob', minutesAgo: 180, text: 'Hey Alice! Did you try the new sync engine?', readBy: ALL },
      { from: 'alice', minutesAgo: 178, text: 'Yes! Everything reads from SQLite on the device now.', readBy: ALL },
      { from: 'bob', minutesAgo: 176, text: 'So the chat opens instantly, even on the train?', readBy: ALL },
      { from: 'alice', minutesAgo: 175, text: 'Exactly. Messages queue in the outbox and go out when the network is back.', readBy: ALL },
      { from: 'bob', minutesAgo: 12, text: 'Nice. Try the offline switch and send me something' },
    ],
  },
  {
    id: 'group-weekend',
    members: ['alice', 'bob', 'carol'],
    groupName: 'Weekend plans',
    createdBy: 'carol',
    invited: ['dave'],
    messages: [
      { from: 'carol', minutesAgo: 1500, text: 'Hiking on Saturday?', readBy: ALL },
      { from: 'bob', minutesAgo: 1490, text: "I'm in. Leaving at 8?", readBy: ALL },
      { from: 'alice', minutesAgo: 1485, text: 'Count me in, I will bring snacks', readBy: ALL },
      { from: 'carol', minutesAgo: 40, text: 'Weather looks great. Meet at the station!', readBy: ['carol', 'bob'] },
    ],
  },
  {
    id: directConversationId('alice', 'carol'),
    members: ['alice', 'carol'],
    messages: [
      { from: 'alice', minutesAgo: 3000, text: 'Thanks for the review yesterday!', readBy: ALL },
      { from: 'carol', minutesAgo: 2990, text: 'Any time. The conflict resolver looks solid.', readBy: ALL },
    ],
  },
  {
    id: directConversationId('bob', 'dave'),
    members: ['bob', 'dave'],
    messages: [{ from: 'dave', minutesAgo: 90, text: 'Bob, lunch tomorrow?' }],
  },
];

/** Writes the demo users and conversations. Idempotent: seeding twice leaves the same documents. */
export async function seedDemo(firestore: Firestore, now: number = Date.now()): Promise<void> {
  const batch = writeBatch(firestore);
  const stamp = { updatedAt: serverTimestamp(), deleted: false };
  const at = (minutesAgo: number): Timestamp => Timestamp.fromMillis(now - minutesAgo * 60_000);
  for (const u of DEMO_USERS) {
    batch.set(doc(firestore, 'users', u.id), { displayName: u.displayName, isOnline: false, lastSeen: at(30), ...stamp });
    batch.set(doc(firestore, 'privateProfiles', u.id), { email: u.email, ...stamp });
  }
  for (const c of DEMO_CONVERSATIONS) {
    const last = c.messages[c.messages.length - 1];
    batch.set(doc(firestore, 'conversations', c.id), {
      type: c.groupName === undefined ? 'direct' : 'group',
      participantIds: [...c.members].sort(),
      ...(c.invited === undefined ? {} : { invitedIds: [...c.invited] }),
      ...(c.groupName === undefined ? {} : { groupName: c.groupName }),
      ...(c.createdBy === undefined ? {} : { createdBy: c.createdBy }),
      ...(last === undefined ? {} : { lastMessage: { text: excerpt(last.text), senderId: last.from, sentAt: now - last.minutesAgo * 60_000 } }),
      lastActivityAt: at(last?.minutesAgo ?? 0),
      ...stamp,
    });
    c.messages.forEach((m, i) => {
      const id = `${c.id}-seed-${String(i + 1).padStart(2, '0')}`;
      const readBy = [...new Set([m.from, ...(m.readBy ?? [])])].filter((u) => c.members.includes(u));
      batch.set(doc(firestore, 'conversations', c.id, 'messages', id), {
        conversationId: c.id,
        senderId: m.from,
        text: m.text,
        timestamp: at(m.minutesAgo),
        readBy,
        deliveredTo: c.members.filter((u) => u !== m.from),
        localId: id,
        ...stamp,
      });
    });
  }
  await batch.commit();
}

/** A Firestore on the emulator with the owner token (bypasses the rules): for seeding only. */
export function connectOwnerFirestore(hostAndPort: string, projectId: string): { firestore: Firestore; close(): Promise<void> } {
  const at = hostAndPort.lastIndexOf(':');
  const app = initializeApp({ projectId, apiKey: 'demo-api-key' }, `seed-${projectId}-${Math.random().toString(36).slice(2)}`);
  const firestore = getFirestore(app);
  connectFirestoreEmulator(firestore, hostAndPort.slice(0, at).replace(/^\[|\]$/g, ''), Number(hostAndPort.slice(at + 1)), { mockUserToken: 'owner' });
  return {
    firestore,
    async close() {
      await terminate(firestore);
      await deleteApp(app).catch(() => undefined);
    },
  };
}
