/**
 * The id of the direct conversation between two users: the same on every device, whoever
 * creates it and whenever, so two devices creating the same chat offline end up with ONE
 * conversation. `direct_<uidA>_<uidB>` with the uids sorted; `%`, `_` and `/` inside a uid
 * are percent-encoded so that the id is unambiguous and a valid Firestore document id.
 */
export function directConversationId(userId: string, otherUserId: string): string {
  const [a, b] = [userId, otherUserId].sort();
  return `direct_${encode(a ?? '')}_${encode(b ?? '')}`;
}

function encode(uid: string): string {
  return uid.replace(/[%_/]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}
