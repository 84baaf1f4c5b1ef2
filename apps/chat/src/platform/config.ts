/**
 * Where the app connects: the Firestore emulator's `host:port` and the project id. Read from
 * the page URL (`?project=…&emulator=…&user=…`, so tests can isolate each run) and otherwise
 * from the Vite env `npm start` sets (VITE_LOCALFIRE_PROJECT_ID, VITE_FIRESTORE_EMULATOR_HOST).
 */
export interface AppConfig {
  readonly projectId: string;
  readonly emulatorHost: string;
  readonly emulatorPort: number;
  /** The signed-in demo user, or null on the sign-in screen. */
  readonly userId: string | null;
}

const DEFAULT_PROJECT = 'demo-localfire-chat';
const DEFAULT_EMULATOR = '127.0.0.1:8080';

export function readConfig(location: { readonly search: string }, env: Readonly<Record<string, unknown>>): AppConfig {
  const params = new URLSearchParams(location.search);
  const fromEnv = (key: string): string | undefined => {
    const v = env[key];
    return typeof v === 'string' && v !== '' ? v : undefined;
  };
  const projectId = params.get('project') ?? fromEnv('VITE_LOCALFIRE_PROJECT_ID') ?? DEFAULT_PROJECT;
  const emulator = params.get('emulator') ?? fromEnv('VITE_FIRESTORE_EMULATOR_HOST') ?? DEFAULT_EMULATOR;
  const at = emulator.lastIndexOf(':');
  const user = params.get('user');
  return {
    projectId,
    emulatorHost: emulator.slice(0, at).replace(/^\[|\]$/g, ''),
    emulatorPort: Number(emulator.slice(at + 1)),
    userId: user === null || user === '' ? null : user,
  };
}

/** The current URL with `user` set (or removed, for null): how the app signs in and out. */
export function urlForUser(href: string, userId: string | null): string {
  const url = new URL(href);
  if (userId === null) url.searchParams.delete('user');
  else url.searchParams.set('user', userId);
  return url.toString();
}
