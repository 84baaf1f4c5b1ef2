import { BrandMark } from './brand-mark.js';
import { useEffect, useMemo } from 'react';
import { demoUser } from '../demo/demo-users.js';
import type { AppConfig } from '../platform/config.js';
import { urlForUser } from '../platform/config.js';
import { startSession } from '../platform/session.js';
import { ChatShell } from './chat-shell.js';
import { SignIn } from './sign-in.js';
import { useViewState } from './use-view-model.js';

export function App({ config }: { readonly config: AppConfig }) {
  const signIn = (userId: string | null): void => window.location.assign(urlForUser(window.location.href, userId));
  if (config.userId === null) return <SignIn onChoose={signIn} />;
  return <SignedIn config={config} userId={config.userId} onSignOut={() => signIn(null)} />;
}

function SignedIn({ config, userId, onSignOut }: { readonly config: AppConfig; readonly userId: string; readonly onSignOut: () => void }) {
  const session = useMemo(() => startSession(config, userId), [config, userId]);
  useEffect(() => {
    const close = (): void => { void session.close(); };
    window.addEventListener('pagehide', close);
    return () => window.removeEventListener('pagehide', close);
  }, [session]);
  const state = useViewState(session);

  switch (state.phase) {
    case 'starting':
      return <Notice testId="starting" title="Opening your chats…" text="Loading the local database on this device." />;
    case 'follower':
      return (
        <Notice
          testId="follower-notice"
          title="Open in another tab"
          text={`${demoUser(userId)?.displayName ?? userId} is already signed in in another tab of this browser. That tab keeps this device in sync; this one takes over as soon as the other tab closes.`}
          action={{ label: 'Use another account', run: onSignOut }}
        />
      );
    case 'error':
      return <Notice testId="session-error" title="Could not start" text={state.message} action={{ label: 'Reload', run: () => window.location.reload() }} />;
    case 'ready':
      return <ChatShell services={state.services} onSignOut={onSignOut} />;
  }
}

function Notice({ title, text, action, testId }: { readonly title: string; readonly text: string; readonly testId: string; readonly action?: { readonly label: string; readonly run: () => void } }) {
  return (
    <main className="notice-screen" data-testid={testId}>
      <div className="notice-card">
        <BrandMark />
        <h1>{title}</h1>
        <p>{text}</p>
        {action && <button type="button" className="button" onClick={action.run}>{action.label}</button>}
      </div>
    </main>
  );
}
