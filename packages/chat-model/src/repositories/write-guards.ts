/*
 * The local mirror of firestore.rules: each check refuses, before anything is stored, a write
 * the shipped rules would refuse, with a typed error (`precondition` for who may write,
 * `validation` for what a document may hold). Checks that need the acting user run only when
 * it is known (the repositories' `userId` option, or an explicit actor argument).
 * test/rules-mirror.test.ts pairs each refusal with the rules refusing the same write.
 */
import { LocalfireError } from 'localfire';
import type { ConversationEntity } from '../collections/conversations.js';
import { CHAT_LIMITS } from '../collections/limits.js';
import type { MessageEntity } from '../collections/messages.js';
import { directConversationId } from '../domain/direct-conversation-id.js';

const refuse = (message: string, details: Record<string, unknown>): never => {
  throw new LocalfireError('precondition', message, { details });
};

/** Refuses acting as `actor` when the signed-in user is someone else. */
export function checkActingAs(signedIn: string | undefined, actor: string, what: string): void {
  if (signedIn !== undefined && actor !== signedIn) refuse(`"${signedIn}" cannot ${what} as "${actor}"`, { userId: signedIn, actor });
}

const setOf = (ids: readonly string[] | undefined): Set<string> => new Set(ids ?? []);
const minus = (a: Set<string>, b: Set<string>): string[] => [...a].filter((x) => !b.has(x));

/** The preview as the rules accept it: an excerpt (the rules count its text's UTF-16 units). */
function checkPreview(c: ConversationEntity): void {
  if (c.lastMessage !== undefined && c.lastMessage.text.length > CHAT_LIMITS.previewText) {
    throw new LocalfireError('validation', `conversations.lastMessage: the preview keeps at most ${CHAT_LIMITS.previewText} characters`, {
      details: { conversationId: c.id, length: c.lastMessage.text.length, maxLength: CHAT_LIMITS.previewText },
    });
  }
}

/** A new conversation as the rules accept it from `actor`. */
export function checkConversationCreate(c: ConversationEntity, actor: string | undefined): void {
  const details = { conversationId: c.id, actor };
  checkPreview(c);
  const isDirectId = c.id.startsWith('direct_');
  if (c.type === 'direct') {
    const [a, b] = c.participantIds;
    if (c.participantIds.length !== 2 || a === undefined || b === undefined || a >= b || c.id !== directConversationId(a, b)) {
      refuse(`a direct conversation is exactly its pair, sorted, at the id derived from it`, details);
    }
    if (c.createdBy !== undefined || (c.invitedIds ?? []).length > 0) refuse('a direct conversation has no owner and no invitations', details);
    if (actor !== undefined && !c.participantIds.includes(actor)) refuse(`"${actor}" cannot create a direct conversation of others`, details);
  } else {
    if (isDirectId) refuse('a group cannot take a direct conversation\'s id', details);
    if (actor !== undefined && (c.createdBy !== actor || c.participantIds.length !== 1 || c.participantIds[0] !== actor)) {
      refuse('a group starts with its owner alone; everyone else is invited', details);
    }
  }
  if (actor !== undefined && c.lastMessage !== undefined && c.lastMessage.senderId !== actor) refuse('the preview\'s sender must be the writer', details);
}

/** A change of a conversation as the rules accept it from `actor` (`before` and `after` are whole entities). */
export function checkConversationChange(before: ConversationEntity, after: ConversationEntity, actor: string | undefined): void {
  const details = { conversationId: before.id, actor };
  const was = setOf(before.participantIds);
  const now = setOf(after.participantIds);
  const added = minus(now, was);
  const removed = minus(was, now);
  const invitedBefore = setOf(before.invitedIds);
  const invitedAfter = setOf(after.invitedIds);
  const previewChanged = JSON.stringify(before.lastMessage) !== JSON.stringify(after.lastMessage);
  if (previewChanged) checkPreview(after);
  if (before.type === 'direct') {
    const same = added.length === 0 && removed.length === 0 && invitedAfter.size === 0 && before.groupName === after.groupName && before.groupImageUrl === after.groupImageUrl;
    if (!same) refuse('the participants of a direct conversation never change', details);
  }
  if (added.some((id) => !invitedBefore.has(id))) refuse('nobody joins a group but by accepting an invitation', { ...details, added });
  if (minus(invitedAfter, invitedBefore).some((id) => now.has(id))) refuse('only users who are not members can be invited', details);
  if (actor === undefined) return;
  if (previewChanged && after.lastMessage !== undefined && after.lastMessage.senderId !== actor) refuse('the preview\'s sender must be the writer', details);
  if (was.has(actor)) {
    if (added.length > 0) refuse('members invite; they do not add others', { ...details, added });
    if (removed.some((id) => id !== actor) && before.createdBy !== actor) refuse(`only the group's owner removes other members`, { ...details, removed });
    return;
  }
  if (!invitedBefore.has(actor)) refuse(`"${actor}" is neither a member nor invited`, details);
  const changed = (Object.keys({ ...before, ...after }) as (keyof ConversationEntity)[])
    .filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
  const ownInvitationOnly = minus(invitedBefore, invitedAfter).every((id) => id === actor) && minus(invitedAfter, invitedBefore).length === 0;
  const joinsAlone = added.length === 0 || (added.length === 1 && added[0] === actor);
  if (!changed.every((k) => k === 'participantIds' || k === 'invitedIds') || !ownInvitationOnly || !joinsAlone || removed.length > 0) {
    refuse('an invitee only accepts or declines their own invitation', details);
  }
}

/** A new message as the rules accept it from `actor`: sent as themselves, receipts holding at most them. */
export function checkMessageCreate(m: MessageEntity, actor: string | undefined): void {
  const sender = actor ?? m.senderId;
  checkActingAs(actor, m.senderId, 'send a message');
  if (m.readBy.some((id) => id !== sender) || m.deliveredTo.some((id) => id !== sender)) {
    refuse('a new message\'s receipts hold at most its sender', { messageId: m.id, senderId: m.senderId });
  }
}

/** A receipts change as the rules accept it: each list only grows, and only by `actor`. */
export function checkReceiptsChange(before: MessageEntity, after: MessageEntity, actor: string | undefined): void {
  for (const field of ['readBy', 'deliveredTo'] as const) {
    const was = setOf(before[field]);
    const now = setOf(after[field]);
    if (minus(was, now).length > 0) refuse(`${field} only grows`, { messageId: before.id, field });
    if (actor !== undefined && minus(now, was).some((id) => id !== actor)) refuse(`"${actor}" adds only themselves to ${field}`, { messageId: before.id, field });
  }
}

/** A message tombstone as the rules accept it: only by its sender. */
export function checkMessageDelete(m: MessageEntity, actor: string | undefined): void {
  if (actor !== undefined && m.senderId !== actor) refuse(`only the sender deletes a message`, { messageId: m.id, senderId: m.senderId, actor });
}
