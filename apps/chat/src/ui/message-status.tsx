import type { MessageStatus } from '@localfire/chat-model';

const LABELS: Record<MessageStatus, string> = {
  sending: 'Sending',
  sent: 'Sent',
  delivered: 'Delivered',
  read: 'Read',
  failed: 'Not sent',
};

/** ◷ sending, ✓ sent, ✓✓ delivered, blue ✓✓ read, ! failed. */
export function MessageStatusIcon({ status }: { readonly status: MessageStatus }) {
  const glyph = { sending: '◷', sent: '✓', delivered: '✓✓', read: '✓✓', failed: '!' }[status];
  return (
    <span className={`status status-${status}`} title={LABELS[status]} aria-label={LABELS[status]} data-testid="message-status">
      {glyph}
    </span>
  );
}
