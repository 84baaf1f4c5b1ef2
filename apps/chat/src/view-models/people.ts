import type { Conversation, User } from '@localfire/chat-model';

/** What a screen shows of one person. */
export interface Person {
  readonly id: string;
  readonly name: string;
  readonly isOnline: boolean;
  readonly lastSeen: Date | null;
}

/** The person `id`, from the local users table, else the conversation's participant info. */
export function personOf(id: string, users: ReadonlyMap<string, User>, conversation?: Conversation): Person {
  const user = users.get(id);
  if (user !== undefined) return { id, name: user.displayName, isOnline: user.isOnline, lastSeen: user.lastSeen ?? null };
  const info = conversation?.participants?.[id];
  return { id, name: info?.displayName ?? id, isOnline: false, lastSeen: null };
}

/** The title of a conversation for `me`: the other person (direct), else the group's name or its members. */
export function conversationTitle(conversation: Conversation, me: string, users: ReadonlyMap<string, User>): string {
  const others = conversation.participantIds.filter((id) => id !== me);
  if (conversation.type === 'direct') return personOf(others[0] ?? me, users, conversation).name;
  if (conversation.groupName !== undefined) return conversation.groupName;
  return others.map((id) => personOf(id, users, conversation).name).join(', ');
}

export function usersById(users: readonly User[]): ReadonlyMap<string, User> {
  return new Map(users.map((u) => [u.id, u]));
}
