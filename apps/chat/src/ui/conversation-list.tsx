import type { ConversationListViewModel } from '../view-models/index.js';
import { Avatar } from './avatar.js';
import { formatListTime } from './format.js';
import { useViewState } from './use-view-model.js';

export interface ConversationListProps {
  readonly vm: ConversationListViewModel;
  readonly selected: string | null;
  readonly onSelect: (id: string) => void;
}

export function ConversationList({ vm, selected, onSelect }: ConversationListProps) {
  const state = useViewState(vm);
  if (state.status === 'loading') return <div className="list-placeholder" />;
  const invitations = state.invitations.length === 0 ? null : (
    <ul className="invitation-list" data-testid="invitation-list" aria-label="Invitations">
      {state.invitations.map((inv) => (
        <li key={inv.id} className="invitation" data-testid="invitation" data-conversation-id={inv.id}>
          <Avatar id={inv.id} name={inv.title} group />
          <span className="conversation-body">
            <span className="conversation-title">{inv.title}</span>
            <span className="conversation-preview">With {inv.members.join(', ')}</span>
          </span>
          <button type="button" className="button" data-testid="accept-invitation" onClick={() => { void vm.acceptInvitation(inv.id).then(() => onSelect(inv.id)); }}>Join</button>
          <button type="button" className="link-button" data-testid="decline-invitation" onClick={() => { void vm.declineInvitation(inv.id); }}>Decline</button>
        </li>
      ))}
    </ul>
  );
  if (state.conversations.length === 0) {
    return (
      <>
        {invitations}
        <p className="list-empty">No conversations yet. Start one with ✎.</p>
      </>
    );
  }
  return (
    <>
    {invitations}
    <ul className="conversation-list" data-testid="conversation-list">
      {state.conversations.map((c) => (
        <li key={c.id}>
          <button
            type="button"
            className={`conversation${c.id === selected ? ' selected' : ''}${c.unreadCount > 0 ? ' unread' : ''}`}
            data-testid="conversation-item"
            data-conversation-id={c.id}
            onClick={() => onSelect(c.id)}
          >
            <Avatar id={c.peer?.id ?? c.id} name={c.title} online={c.peer?.isOnline} group={c.type === 'group'} />
            <span className="conversation-body">
              <span className="conversation-top">
                <span className="conversation-title" data-testid="conversation-title">{c.title}</span>
                <time className="conversation-time" dateTime={c.lastActivityAt.toISOString()}>{formatListTime(c.lastActivityAt)}</time>
              </span>
              <span className="conversation-bottom">
                <span className="conversation-preview" data-testid="conversation-preview">
                  {c.lastMessageText === null ? (
                    <em>{c.type === 'group' ? `${c.memberCount} members` : 'No messages yet'}</em>
                  ) : (
                    <>
                      {(c.type === 'group' || c.lastMessageSender === 'You') && <span className="preview-sender">{c.lastMessageSender}: </span>}
                      {c.lastMessageText}
                    </>
                  )}
                </span>
                {c.unreadCount > 0 && <span className="unread-badge" data-testid="unread-count">{c.unreadCount}</span>}
              </span>
            </span>
          </button>
        </li>
      ))}
    </ul>
    </>
  );
}
