import type { RowMeta, Stored, SyncStatus } from 'localfire';
import type { MessageEntity } from '../collections/messages.js';
import type { ReadonlyEntity } from './readonly-entity.js';

/**
 * Where a message stands, as its sender sees it. Derived, never stored, so it only moves
 * forward as the row syncs and receipts grow: sending → sent → delivered → read
 * (or failed when the store gave up pushing it).
 */
export type MessageStatus = 'sending' | 'sent' | 'delivered' | 'read' | 'failed';

/**
 * A chat message as the app sees it: a plain readonly object with the collection's fields
 * (`senderName` only on messages of earlier versions: show the sender's profile name instead),
 * the derived {@link MessageStatus} and the row's sync state (e.g. for a retry action).
 */
export interface Message extends ReadonlyEntity<MessageEntity> {
  readonly status: MessageStatus;
  readonly syncStatus: SyncStatus;
}

/**
 * The status rule:
 * - not yet known to the server (no server timestamp): `failed` if the store gave up
 *   pushing it, `sending` otherwise;
 * - else `read` if anyone but the sender is in `readBy`, `delivered` if anyone but the
 *   sender is in `deliveredTo`, else `sent`.
 * A pending receipt on a message the server already has does not send it back to `sending`.
 */
export function deriveMessageStatus(
  entity: Pick<MessageEntity, 'senderId' | 'readBy' | 'deliveredTo'>,
  meta: Pick<RowMeta, 'syncStatus' | 'serverTimestamp'>,
): MessageStatus {
  if (meta.serverTimestamp === null) {
    if (meta.syncStatus === 'failed') return 'failed';
    if (meta.syncStatus === 'pending') return 'sending';
  }
  if (hasOther(entity.readBy, entity.senderId)) return 'read';
  if (hasOther(entity.deliveredTo, entity.senderId)) return 'delivered';
  return 'sent';
}

function hasOther(ids: readonly string[], senderId: string): boolean {
  for (const id of ids) if (id !== senderId) return true;
  return false;
}

/** Maps a stored message row to the domain object. */
export function toMessage(row: Stored<MessageEntity>): Message {
  const meta = row.$meta;
  return {
    id: row.id,
    localId: row.localId,
    conversationId: row.conversationId,
    senderId: row.senderId,
    ...(row.senderName === undefined ? {} : { senderName: row.senderName }),
    text: row.text,
    timestamp: row.timestamp,
    status: deriveMessageStatus(row, meta),
    readBy: row.readBy,
    deliveredTo: row.deliveredTo,
    syncStatus: meta.syncStatus,
  };
}
