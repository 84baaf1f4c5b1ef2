import { BrandMark } from './brand-mark.js';
import { DEMO_USERS } from '../demo/demo-users.js';
import { Avatar } from './avatar.js';

export function SignIn({ onChoose }: { readonly onChoose: (userId: string) => void }) {
  return (
    <main className="notice-screen">
      <div className="notice-card sign-in">
        <BrandMark />
        <h1>localfire chat</h1>
        <p>Pick a demo user. Every screen reads from this device's SQLite database; the sync engine keeps it in step with Firestore.</p>
        <ul className="user-picker">
          {DEMO_USERS.map((u) => (
            <li key={u.id}>
              <button type="button" className="user-choice" data-testid={`choose-${u.id}`} onClick={() => onChoose(u.id)}>
                <Avatar id={u.id} name={u.displayName} size="lg" />
                <span>{u.displayName}</span>
              </button>
            </li>
          ))}
        </ul>
        <p className="hint">Open a second tab as another user to chat with yourself. The same user in two tabs: one tab leads, the other waits.</p>
      </div>
    </main>
  );
}
