// Renders a component built on useLiveQuery and useSyncStatus with react-dom/client in
// StrictMode, driven from the test through window.reactTests.
import { Component, createElement, StrictMode, useState, type ReactNode } from 'react';
import { flushSync } from 'react-dom';
import { createRoot } from 'react-dom/client';
import { useLiveQuery, useSyncStatus } from '../../src/react/index.js';
import { REACT_API_KEY, type ReactTestApi } from './client-page-api.js';
import { createFakeLiveQuery, type FakeLiveQuery } from './fake-live-query.js';

const queries = new Map<string, FakeLiveQuery<readonly string[]>>();
const queryFor = (conversation: string): FakeLiveQuery<readonly string[]> => {
  let q = queries.get(conversation);
  if (q === undefined) {
    q = createFakeLiveQuery<readonly string[]>();
    queries.set(conversation, q);
  }
  return q;
};

let status = { pendingCount: 0 };
const statusListeners = new Set<(s: typeof status) => void>();
const statusCell = {
  get: () => status,
  subscribe(listener: (s: typeof status) => void) {
    statusListeners.add(listener);
    return () => { statusListeners.delete(listener); };
  },
};

let switchTo: (conversation: string) => void = () => undefined;

function Messages({ conversation }: { conversation: string }): ReactNode {
  const messages = useLiveQuery(() => queryFor(conversation), [conversation]);
  const { pendingCount } = useSyncStatus(statusCell);
  return `${conversation}: ${messages === undefined ? 'loading' : messages.join(',')} | pending ${pendingCount}`;
}

function App(): ReactNode {
  const [conversation, setConversation] = useState('c1');
  switchTo = setConversation;
  return createElement(Boundary, null, createElement(Messages, { conversation }));
}

class Boundary extends Component<{ children: ReactNode }, { error: string | undefined }> {
  override state = { error: undefined as string | undefined };
  static getDerivedStateFromError(error: unknown): { error: string } {
    return { error: error instanceof Error ? error.message : String(error) };
  }
  override render(): ReactNode {
    return this.state.error === undefined ? this.props.children : `error: ${this.state.error}`;
  }
}

const container = document.getElementById('root')!;
const root = createRoot(container);
flushSync(() => root.render(createElement(StrictMode, null, createElement(App))));

const api: ReactTestApi = {
  emit: (messages) => queryFor(currentConversation()).emit(messages),
  fail: (message) => queryFor(currentConversation()).fail(new Error(message)),
  setStatus(pendingCount) {
    status = { pendingCount };
    for (const l of [...statusListeners]) l(status);
  },
  text: () => container.textContent ?? '',
  subscribers: () => ({ query: [...queries.values()].reduce((n, q) => n + q.subscribers, 0), status: statusListeners.size }),
  switchTo: (conversation) => switchTo(conversation),
  unmount: () => root.unmount(),
};

function currentConversation(): string {
  return (container.textContent ?? '').split(':')[0] ?? 'c1';
}

(window as unknown as Record<string, unknown>)[REACT_API_KEY] = api;
