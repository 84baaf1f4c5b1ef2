import type { RemoteScope, ScopesFn } from 'localfire';
import { conversations } from '../collections/conversations.js';
import { mapLive } from '../repositories/map-live.js';

/** Firestore's limit of values in one `in` filter: the users scope is split in chunks of this size. */
export const USER_ID_CHUNK = 30;

/**
 * What a signed-in user's device keeps in step with Firestore, as a live query over the local
 * store (it re-emits when local conversations change, and the engine opens and closes
 * subscriptions to match):
 *
 * - `conversations` where `participantIds` array-contains the user, and where `invitedIds`
 *   array-contains the user (the invitations: the only conversation queries the rules allow);
 * - the `messages` of each local conversation the user is a member of (not merely invited to)
 *   AND whose membership the server already has: the rules read the conversation document to
 *   authorise a messages listener, so a listener on a conversation still waiting in the
 *   outbox, or joined by an acceptance not yet pushed, would be refused (and stay failed). It
 *   opens once the row has a server time and no pending write (acknowledged or pulled), and
 *   then stays open while the user is a member, whatever the row's later writes;
 * - the public profiles (`users`) of everyone in a local conversation of the user (members and
 *   invitees), plus the user themself, as `id in` filters of at most {@link USER_ID_CHUNK}
 *   sorted ids each (the rules refuse any users query that is not by ids);
 * - the user's own private profile (`private_profiles`, by id).
 *
 * Scope keys are stable (sorted ids), so an unchanged conversation list keeps its
 * subscriptions and their checkpoints; a change in the set of users re-opens only the chunks
 * whose ids changed.
 */
export const chatSyncScopes: ScopesFn = ({ userId, store }) => {
  /** Conversations whose messages scope is open: it stays open while the user is a member. */
  const open = new Set<string>();
  // An observed query, not a `store.live` read: a commit that changes a conversation (every
  // message sent updates its preview) patches the rows in memory instead of re-running SQL,
  // and the scopes derived from them come out equal, so nothing downstream moves.
  return mapLive(store.repo(conversations).observeQuery({}), (all): RemoteScope[] => {
    const scopes: RemoteScope[] = [
      { collection: 'conversations', filters: [{ field: 'participantIds', op: 'array-contains', value: userId }] },
      { collection: 'conversations', filters: [{ field: 'invitedIds', op: 'array-contains', value: userId }] },
      { collection: 'private_profiles', filters: [{ field: 'id', op: 'in', value: [userId] }] },
    ];
    const people = new Set<string>([userId]);
    const stillOpen = new Set<string>();
    for (const conversation of [...all].sort((a, b) => compare(a.id, b.id))) {
      const member = conversation.participantIds.includes(userId);
      if (!member && !(conversation.invitedIds ?? []).includes(userId)) continue;
      for (const id of conversation.participantIds) people.add(id);
      for (const id of conversation.invitedIds ?? []) people.add(id);
      const confirmed = conversation.$meta.serverTimestamp !== null && conversation.$meta.syncStatus !== 'pending';
      if (member && (confirmed || open.has(conversation.id))) {
        stillOpen.add(conversation.id);
        scopes.push({ collection: 'messages', parents: { conversationId: conversation.id } });
      }
    }
    open.clear();
    for (const id of stillOpen) open.add(id);
    const ids = [...people].sort(compare);
    for (let i = 0; i < ids.length; i += USER_ID_CHUNK) {
      scopes.push({ collection: 'users', filters: [{ field: 'id', op: 'in', value: ids.slice(i, i + USER_ID_CHUNK) }] });
    }
    return scopes;
  });
};

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
