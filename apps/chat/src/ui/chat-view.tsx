import { memo, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { FormEvent, KeyboardEvent } from 'react';
import type { Message } from '@localfire/chat-model';
import type { ChatServices } from '../platform/session.js';
import { createChatViewModel } from '../view-models/index.js';
import type { ChatViewModel } from '../view-models/index.js';
import { Avatar } from './avatar.js';
import { formatClock, formatDay } from './format.js';
import { MessageStatusIcon } from './message-status.js';
import { useViewModel, useViewState } from './use-view-model.js';

export interface ChatViewProps {
  readonly services: ChatServices;
  readonly conversationId: string;
  readonly onBack: () => void;
}

export function ChatView({ services, conversationId, onBack }: ChatViewProps) {
  const { repositories, me, engine } = services;
  const vm = useViewModel(
    () => createChatViewModel({ repositories, conversationId, me, writes: engine }),
    [repositories, conversationId, me, engine],
  );
  const state = useViewState(vm);
  useVisibility(vm);

  if (state.status === 'missing') {
    return (
      <section className="chat">
        <ChatHeader title="Conversation not found" subtitle="" onBack={onBack} />
        <p className="list-empty">This conversation is not on this device.</p>
      </section>
    );
  }
  const peer = state.type === 'direct' ? state.members[0] : undefined;
  const subtitle = state.type === 'group'
    ? state.members.map((m) => m.name).join(', ')
    : peer === undefined ? '' : peer.isOnline ? 'online' : 'offline';
  return (
    <section className="chat" data-testid="chat" aria-label={state.title}>
      <ChatHeader title={state.title} subtitle={subtitle} onBack={onBack} avatar={{ id: peer?.id ?? conversationId, online: peer?.isOnline, group: state.type === 'group' }} />
      <MessageList vm={vm} group={state.type === 'group'} me={me.id} />
      <Composer vm={vm} />
      {state.error !== null && <p className="chat-error" role="alert">{state.error}</p>}
    </section>
  );
}

function useVisibility(vm: ChatViewModel): void {
  useEffect(() => {
    const update = (): void => vm.setVisible(document.visibilityState === 'visible');
    update();
    document.addEventListener('visibilitychange', update);
    return () => {
      document.removeEventListener('visibilitychange', update);
      vm.setVisible(false);
    };
  }, [vm]);
}

interface HeaderProps {
  readonly title: string;
  readonly subtitle: string;
  readonly onBack: () => void;
  readonly avatar?: { readonly id: string; readonly online: boolean | undefined; readonly group: boolean };
}

function ChatHeader({ title, subtitle, onBack, avatar }: HeaderProps) {
  return (
    <header className="chat-header">
      <button type="button" className="icon-button back-button" aria-label="Back to conversations" onClick={onBack}>‹</button>
      {avatar && <Avatar id={avatar.id} name={title} online={avatar.online} group={avatar.group} />}
      <div className="chat-title">
        <h2 data-testid="chat-title">{title}</h2>
        {subtitle !== '' && <span className="muted">{subtitle}</span>}
      </div>
    </header>
  );
}

function MessageList({ vm, group, me }: { readonly vm: ChatViewModel; readonly group: boolean; readonly me: string }) {
  const state = useViewState(vm);
  const scroller = useRef<HTMLDivElement>(null);
  const stickToBottom = useRef(true);
  const restoreFrom = useRef<number | null>(null);
  const actions = useMemo<FailedActions>(() => ({ retry: (id) => vm.retry(id), discard: (id) => vm.discard(id) }), [vm]);

  useLayoutEffect(() => {
    const el = scroller.current;
    if (el === null) return;
    if (restoreFrom.current !== null) {
      el.scrollTop += el.scrollHeight - restoreFrom.current;
      restoreFrom.current = null;
    } else if (stickToBottom.current) {
      el.scrollTop = el.scrollHeight;
    }
  }, [state.messages]);

  const onScroll = (): void => {
    const el = scroller.current;
    if (el === null) return;
    stickToBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 60;
    if (el.scrollTop < 120 && state.hasOlder && !state.loadingOlder) {
      restoreFrom.current = el.scrollHeight;
      void vm.loadOlder();
    }
  };

  const messages = state.messages;
  const today = new Date().toDateString();
  const chunks: number[] = [];
  for (let start = 0; start < messages.length; start += CHUNK) chunks.push(start);
  return (
    <div className="messages" ref={scroller} onScroll={onScroll} data-testid="messages">
      <div className="messages-stack">
        {state.hasOlder && <div className="older-hint">{state.loadingOlder ? 'Loading older messages…' : 'Scroll up for older messages'}</div>}
        {state.status === 'ready' && messages.length === 0 && <p className="list-empty">No messages yet. Say hello!</p>}
        {chunks.map((start) => (
          <MessageChunk
            key={messages[start]!.id}
            items={messages.slice(start, start + CHUNK)}
            previous={messages[start - 1]}
            today={today}
            group={group}
            me={me}
            names={state.senderNames}
            actions={actions}
          />
        ))}
      </div>
    </div>
  );
}

/**
 * Messages per memoised chunk. A send re-renders only the last chunk (React would otherwise
 * walk every message of the list on each change: several ms for ~100 messages here, measured
 * with the browser-send-visible stage probe); chunks start at the oldest message shown, so
 * appending never moves their boundaries.
 */
const CHUNK = 20;

interface ChunkProps {
  readonly items: readonly Message[];
  /** The message just before the chunk (its day and sender decide the first row's separator and grouping). */
  readonly previous: Message | undefined;
  /** Today's date string: day labels (Today, Yesterday) change with it. */
  readonly today: string;
  readonly group: boolean;
  readonly me: string;
  /** Senders' names from their profiles (see ChatState.senderNames). */
  readonly names: Readonly<Record<string, string>>;
  readonly actions: FailedActions;
}

/** What a failed message of mine offers. */
interface FailedActions {
  retry(messageId: string): Promise<void>;
  discard(messageId: string): Promise<void>;
}

const MessageChunk = memo(function MessageChunk({ items, previous, group, me, names, actions }: ChunkProps) {
  const now = new Date();
  let lastDay = previous === undefined ? '' : formatDay(previous.timestamp, now);
  let before = previous;
  return (
    <>
      {items.map((m) => {
        const day = formatDay(m.timestamp, now);
        const separator = day !== lastDay;
        lastDay = day;
        const continued = !separator && before !== undefined && before.senderId === m.senderId;
        before = m;
        return (
          <div key={m.id} className="message-row-wrap">
            {separator && <div className="day-separator"><span>{day}</span></div>}
            <MessageBubble message={m} senderName={names[m.senderId] ?? m.senderId} mine={m.senderId === me} showSender={group && m.senderId !== me && !continued} continued={continued} actions={actions} />
          </div>
        );
      })}
    </>
  );
}, (a, b) =>
  a.today === b.today && a.group === b.group && a.me === b.me && a.names === b.names && a.actions === b.actions
  && a.items.length === b.items.length && a.items.every((m, i) => sameShown(m, b.items[i]))
  && (a.previous === undefined ? b.previous === undefined : b.previous !== undefined
    && a.previous.senderId === b.previous.senderId && a.previous.timestamp.getTime() === b.previous.timestamp.getTime()));

/** What a bubble shows is unchanged (live queries hand out new objects on each run). */
function sameShown(a: Message, b: Message | undefined): boolean {
  return b !== undefined && a.id === b.id && a.status === b.status && a.text === b.text && a.senderId === b.senderId
    && a.timestamp.getTime() === b.timestamp.getTime();
}

interface BubbleProps {
  readonly message: Message;
  /** The sender's name as their profile says (never a name stored in the message). */
  readonly senderName: string;
  readonly mine: boolean;
  readonly showSender: boolean;
  readonly continued: boolean;
  readonly actions: FailedActions;
}

/** Re-renders only when what it shows changes (live queries hand out new objects on each run). */
const MessageBubble = memo(function MessageBubble({ message, senderName, mine, showSender, continued, actions }: BubbleProps) {
  return (
    <div
      className={`message-row ${mine ? 'mine' : 'theirs'}${continued ? ' continued' : ''}`}
      data-testid="message"
      data-message-id={message.id}
      data-status={message.status}
      data-mine={mine}
    >
      <div className={`bubble${message.status === 'failed' ? ' bubble-failed' : ''}`}>
        {showSender && <div className="bubble-sender" data-testid="message-sender">{senderName}</div>}
        <span className="bubble-text" data-testid="message-text">{message.text}</span>
        <span className="bubble-meta">
          {formatClock(message.timestamp)}
          {mine && <MessageStatusIcon status={message.status} />}
        </span>
      </div>
      {mine && message.status === 'failed' && (
        <div className="failed-actions">
          <span className="failed-label">Not sent</span>
          <button type="button" className="retry-button" data-testid="retry" onClick={() => { actions.retry(message.id).catch(() => undefined); }}>Retry</button>
          <button type="button" className="retry-button" data-testid="discard" onClick={() => { actions.discard(message.id).catch(() => undefined); }}>Discard</button>
        </div>
      )}
    </div>
  );
}, (a, b) =>
  a.mine === b.mine && a.showSender === b.showSender && a.continued === b.continued && a.actions === b.actions
  && a.senderName === b.senderName && sameShown(a.message, b.message));

function Composer({ vm }: { readonly vm: ChatViewModel }) {
  const [text, setText] = useState('');
  const input = useRef<HTMLTextAreaElement>(null);
  /** Texts whose send is under way: pressing send again on one of them sends nothing. */
  const sending = useRef(new Set<string>());
  const submit = (e?: FormEvent): void => {
    e?.preventDefault();
    const message = text;
    if (message.trim() === '' || sending.current.has(message)) return;
    sending.current.add(message);
    // The composer empties once the message is in the list (the local write takes a few ms),
    // in the same frame. Emptying it at the click rendered a frame of its own first (layout
    // and paint of the page), and the message waited behind it. A failed send keeps the text;
    // text typed meanwhile stays.
    vm.send(message)
      .then(() => setText((current) => (current === message ? '' : current)), () => undefined)
      .finally(() => sending.current.delete(message));
    input.current?.focus();
  };
  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>): void => {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) submit(e);
  };
  return (
    <form className="composer" onSubmit={submit}>
      <textarea
        ref={input}
        rows={1}
        value={text}
        placeholder="Message"
        aria-label="Message"
        data-testid="composer-input"
        onChange={(e) => setText(e.target.value)}
        onKeyDown={onKeyDown}
      />
      <button type="submit" className="send-button" aria-label="Send" data-testid="send-button" disabled={text.trim() === ''}>
        <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true"><path d="M3 20.5 21 12 3 3.5 3 10l12 2-12 2z" fill="currentColor" /></svg>
      </button>
    </form>
  );
}
