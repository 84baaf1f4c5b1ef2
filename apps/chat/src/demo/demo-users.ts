/** A seeded demo account: sign-in is simulated with the emulator's mock token for `id`. */
export interface DemoUser {
  readonly id: string;
  readonly displayName: string;
  readonly email: string;
  /** Accent colour of the avatar. */
  readonly color: string;
}

/** The demo's users: seeded by `npm start`, offered on the sign-in screen. */
export const DEMO_USERS: readonly DemoUser[] = [
  { id: 'alice', displayName: 'Alice', email: 'alice@example.com', color: '#e8590c' },
  { id: 'bob', displayName: 'Bob', email: 'bob@example.com', color: '#1c7ed6' },
  { id: 'carol', displayName: 'Carol', email: 'carol@example.com', color: '#2f9e44' },
  { id: 'dave', displayName: 'Dave', email: 'dave@example.com', color: '#9c36b5' },
];

export function demoUser(id: string): DemoUser | undefined {
  return DEMO_USERS.find((u) => u.id === id);
}
