/*
 * "Local equals server": the server's documents read with a rules-bypassing client (the
 * emulator's `owner` token), cut to what a user's scope covers, against a device's local rows.
 * Both sides become plain entities: no bookkeeping, no `updatedAt`, tombstones left out,
 * Timestamps as Dates, set fields sorted and map keys in order (a set's order and a map's key
 * order are not part of their values).
 */
import type { Firestore } from 'firebase/firestore';
import { collection, collectionGroup, getDocs, Timestamp } from 'firebase/firestore';
import type { LocalStore } from 'localfire';
import { conversations, messages, users } from '../../src/index.js';

export type Entity = Record<string, unknown> & { readonly id: string };

export interface ChatState {
  readonly conversations: Entity[];
  readonly messages: Entity[];
  readonly users: Entity[];
}

const SET_FIELDS = new Set(['participantIds', 'invitedIds', 'readBy', 'deliveredTo']);

function plain(value: unknown): unknown {
  if (value instanceof Timestamp) return value.toDate();
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

function canonical(id: string, data: Readonly<Record<string, unknown>>): Entity {
  const out: Record<string, unknown> = { id };
  for (const key of Object.keys(data).sort()) {
    if (key === 'id' || key === '$meta' || key === 'updatedAt' || key === 'deleted') continue;
    const value = plain(data[key]);
    if (value === undefined) continue;
    out[key] = SET_FIELDS.has(key) && Array.isArray(value) ? [...(value as string[])].sort() : value;
  }
  return out as Entity;
}

const byId = (a: Entity, b: Entity): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Every live document on the server. */
export async function readServer(admin: Firestore): Promise<ChatState> {
  const [c, m, u] = await Promise.all([getDocs(collection(admin, 'conversations')), getDocs(collectionGroup(admin, 'messages')), getDocs(collection(admin, 'users'))]);
  const live = (snap: typeof c): Entity[] => snap.docs.filter((d) => d.get('deleted') !== true).map((d) => canonical(d.id, d.data())).sort(byId);
  return { conversations: live(c), messages: live(m), users: live(u) };
}

/** The part of the server's state a user's device keeps in step (see `chatSyncScopes`): messages of conversations it is a member of, not merely invited to. */
export function inScope(state: ChatState, userId: string): ChatState {
  const member = (c: Entity) => (c['participantIds'] as string[]).includes(userId);
  const invited = (c: Entity) => ((c['invitedIds'] as string[] | undefined) ?? []).includes(userId);
  const seen = state.conversations.filter((c) => member(c) || invited(c));
  const ids = new Set(seen.filter(member).map((c) => c.id));
  const people = new Set([userId, ...seen.flatMap((c) => [...(c['participantIds'] as string[]), ...((c['invitedIds'] as string[] | undefined) ?? [])])]);
  return {
    conversations: seen,
    messages: state.messages.filter((m) => ids.has(m['conversationId'] as string)),
    users: state.users.filter((u) => people.has(u.id)),
  };
}

/** Every live local row. */
export async function readLocal(store: LocalStore): Promise<ChatState> {
  const rows = async (def: typeof conversations | typeof messages | typeof users): Promise<Entity[]> =>
    (await store.repo<{ id: string }>(def).readAll()).map((r) => canonical(r.id, r as Record<string, unknown>)).sort(byId);
  return { conversations: await rows(conversations), messages: await rows(messages), users: await rows(users) };
}

/** Local bookkeeping that must be clean once a device has converged. */
export async function unsyncedRows(store: LocalStore): Promise<string[]> {
  const out: string[] = [];
  for (const def of [conversations, messages, users] as const) {
    for (const row of await store.repo<{ id: string }>(def).query({ includeDeleted: true })) {
      const meta = (row as unknown as { $meta: { syncStatus: string } }).$meta;
      if (meta.syncStatus !== 'synced') out.push(`${def.name}/${row.id}: ${meta.syncStatus}`);
    }
  }
  return out;
}

/** What differs between two states, by collection and id (for failure messages). */
export function diffStates(local: ChatState, server: ChatState): string {
  const out: string[] = [];
  for (const name of ['conversations', 'messages', 'users'] as const) {
    const l = new Map(local[name].map((e) => [e.id, e]));
    const s = new Map(server[name].map((e) => [e.id, e]));
    for (const [id, e] of s) {
      const mine = l.get(id);
      if (mine === undefined) out.push(`${name}/${id}: missing locally`);
      else if (JSON.stringify(mine) !== JSON.stringify(e)) out.push(`${name}/${id}: local ${JSON.stringify(mine)} != server ${JSON.stringify(e)}`);
    }
    for (const id of l.keys()) if (!s.has(id)) out.push(`${name}/${id}: only local`);
  }
  return out.join('\n');
}
