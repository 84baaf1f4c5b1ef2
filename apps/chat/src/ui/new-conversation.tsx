import { useState } from 'react';
import type { ConversationListViewModel } from '../view-models/index.js';
import { Avatar } from './avatar.js';
import { useViewState } from './use-view-model.js';

export interface NewConversationProps {
  readonly vm: ConversationListViewModel;
  readonly onClose: () => void;
  readonly onCreated: (conversationId: string) => void;
}

/** Pick one person for a direct chat, or several (and a name) for a group. */
export function NewConversation({ vm, onClose, onCreated }: NewConversationProps) {
  const { contacts } = useViewState(vm);
  const [chosen, setChosen] = useState<readonly string[]>([]);
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const toggle = (id: string): void => setChosen((c) => (c.includes(id) ? c.filter((x) => x !== id) : [...c, id]));
  const create = async (): Promise<void> => {
    try {
      const id = chosen.length === 1 && chosen[0] !== undefined
        ? await vm.startDirectConversation(chosen[0])
        : await vm.startGroupConversation(chosen, name);
      onCreated(id);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  return (
    <div className="dialog-backdrop" onClick={onClose}>
      <div className="dialog" role="dialog" aria-modal="true" aria-label="New conversation" onClick={(e) => e.stopPropagation()} data-testid="new-conversation-dialog">
        <h2>New conversation</h2>
        {contacts.length === 0 ? (
          <p className="muted">Nobody else is known on this device yet: people appear once a conversation with them syncs.</p>
        ) : (
          <ul className="contact-list">
            {contacts.map((p) => (
              <li key={p.id}>
                <label className="contact">
                  <input type="checkbox" checked={chosen.includes(p.id)} onChange={() => toggle(p.id)} data-testid={`contact-${p.id}`} />
                  <Avatar id={p.id} name={p.name} online={p.isOnline} size="sm" />
                  <span>{p.name}</span>
                </label>
              </li>
            ))}
          </ul>
        )}
        {chosen.length > 1 && (
          <input className="text-input" placeholder="Group name (optional)" value={name} onChange={(e) => setName(e.target.value)} data-testid="group-name" />
        )}
        {error !== null && <p className="chat-error" role="alert">{error}</p>}
        <div className="dialog-actions">
          <button type="button" className="link-button" onClick={onClose}>Cancel</button>
          <button type="button" className="button" disabled={chosen.length === 0} onClick={() => { void create(); }} data-testid="create-conversation">
            {chosen.length > 1 ? 'Create group' : 'Start chat'}
          </button>
        </div>
      </div>
    </div>
  );
}
