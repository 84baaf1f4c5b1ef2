import { BrandMark } from './brand-mark.js';
import { useCallback, useEffect, useState } from 'react';
import { useSyncStatus } from 'localfire/react';
import type { ChatServices } from '../platform/session.js';
import { createConversationListViewModel, describeSyncStatus } from '../view-models/index.js';
import { Avatar } from './avatar.js';
import { ChatView } from './chat-view.js';
import { ConversationList } from './conversation-list.js';
import { Inspector } from './inspector.js';
import { NewConversation } from './new-conversation.js';
import { formatClock } from './format.js';
import { SyncBadge, SyncBanner } from './sync-badge.js';
import { useViewModel, useViewState } from './use-view-model.js';

/** The open conversation lives in the URL hash (`#c=<id>`): reload keeps it, Back closes it. */
function useSelectedConversation(): [string | null, (id: string | null) => void] {
  const read = (): string | null => new URLSearchParams(window.location.hash.slice(1)).get('c');
  const [selected, setSelected] = useState<string | null>(read);
  useEffect(() => {
    const onHash = (): void => setSelected(read());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  const select = useCallback((id: string | null) => {
    window.location.hash = id === null ? '' : `c=${encodeURIComponent(id)}`;
    setSelected(id);
  }, []);
  return [selected, select];
}

export function ChatShell({ services, onSignOut }: { readonly services: ChatServices; readonly onSignOut: () => void }) {
  const { me, repositories } = services;
  const [selected, select] = useSelectedConversation();
  const [inspectorOpen, setInspectorOpen] = useState(false);
  const [composing, setComposing] = useState(false);
  const list = useViewModel(() => createConversationListViewModel({ repositories, userId: me.id }), [repositories, me.id]);
  const closeChat = useCallback(() => select(null), [select]);

  return (
    <div className={`shell${selected === null ? '' : ' shell-chat-open'}${inspectorOpen ? ' shell-inspector-open' : ''}`}>
      <aside className="sidebar" aria-label="Conversations">
        <SidebarHeader services={services} inspectorOpen={inspectorOpen} onCompose={() => setComposing(true)} onToggleInspector={() => setInspectorOpen((o) => !o)} />
        <ConversationList vm={list} selected={selected} onSelect={select} />
        <footer className="sidebar-footer">
          <button type="button" className="link-button" onClick={onSignOut} data-testid="sign-out">Switch user</button>
          <span className="muted">local-first · SQLite in OPFS</span>
        </footer>
      </aside>
      <main className="main">
        {selected === null ? (
          <div className="empty-chat">
            <BrandMark />
            <h2>Welcome, {me.name}</h2>
            <p>Choose a conversation, or start a new one. Everything you see comes from this device's database, even offline.</p>
            <button type="button" className="button" onClick={() => setComposing(true)}>New conversation</button>
          </div>
        ) : (
          <ChatView key={selected} services={services} conversationId={selected} onBack={closeChat} />
        )}
      </main>
      {inspectorOpen && <Inspector services={services} onClose={() => setInspectorOpen(false)} />}
      {composing && (
        <NewConversation
          vm={list}
          onClose={() => setComposing(false)}
          onCreated={(id) => {
            setComposing(false);
            select(id);
          }}
        />
      )}
    </div>
  );
}

interface SidebarHeaderProps {
  readonly services: ChatServices;
  readonly inspectorOpen: boolean;
  readonly onCompose: () => void;
  readonly onToggleInspector: () => void;
}

/** The user, the sync badge and the offline switch: the only part that re-renders on sync status changes. */
function SidebarHeader({ services, inspectorOpen, onCompose, onToggleInspector }: SidebarHeaderProps) {
  const { me, engine } = services;
  const status = useSyncStatus(engine);
  const offline = useViewState(services.offline);
  const view = describeSyncStatus(status, { forcedOffline: offline.forced, clock: (ms) => formatClock(new Date(ms)) });
  return (
    <>
      <header className="sidebar-header">
        <Avatar id={me.id} name={me.name} online={status.online} />
        <div className="me">
          <strong data-testid="me">{me.name}</strong>
          <SyncBadge view={view} />
        </div>
        <button type="button" className="icon-button" title="New conversation" aria-label="New conversation" data-testid="new-conversation" onClick={onCompose}>
          ✎
        </button>
        <button type="button" className={`icon-button${inspectorOpen ? ' active' : ''}`} title="Sync inspector" aria-label="Sync inspector" data-testid="inspector-toggle" onClick={onToggleInspector}>
          ⚙
        </button>
      </header>
      <label className="offline-switch">
        <input
          type="checkbox"
          role="switch"
          data-testid="offline-switch"
          checked={offline.forced}
          onChange={(e) => { void services.setOffline(e.target.checked); }}
        />
        <span className="switch-track" aria-hidden="true"><span className="switch-thumb" /></span>
        <span>Work offline</span>
        {view.waitingMessages > 0 && <span className="pending-pill" data-testid="pending-count">{view.waitingMessages} waiting</span>}
      </label>
      <SyncBanner view={view} />
    </>
  );
}
