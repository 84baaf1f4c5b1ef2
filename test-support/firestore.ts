// Test helpers for the run's shared Firestore emulator (started by ./emulator-global-setup.ts).
// Test files run in parallel against one emulator, so each uses its own project id (data and
// rules are per project) and clears only that project. Every Firestore instance handed out
// must be closed (terminate + deleteApp), or the test worker keeps its gRPC channels open:
// `createTestProject` tracks them and `dispose()` closes them all.
import { readFileSync } from 'node:fs';
import { deleteApp, initializeApp } from 'firebase/app';
import { connectFirestoreEmulator, getFirestore, terminate, type Firestore } from 'firebase/firestore';
import { inject } from 'vitest';
import { clearEmulatorProject, setEmulatorProjectRules, uniqueProjectId as createProjectId } from 'localfire/testing/emulator';
import { CHAT_RULES_PATH } from './paths.js';
import type {} from './provided-context.js';

/** Rules that allow everything: for framework tests that use non-chat collections. */
export const OPEN_RULES = `rules_version = '2';
service cloud.firestore {
  match /databases/{database}/documents {
    match /{document=**} {
      allow read, write: if true;
    }
  }
}
`;

/** The chat rules' source (packages/chat-model/firestore.rules). */
export function readChatRules(): string {
  return readFileSync(CHAT_RULES_PATH, 'utf8');
}

/** `host:port` of the run's emulator. Throws when the global setup did not run. */
export function emulatorHost(): string {
  const host = inject('firestoreEmulatorHost');
  if (typeof host !== 'string' || host === '') {
    throw new Error('No Firestore emulator: test-support/emulator-global-setup.ts must be a Vitest globalSetup');
  }
  return host;
}

function splitHost(hostAndPort: string): { host: string; port: number } {
  const at = hostAndPort.lastIndexOf(':');
  return { host: hostAndPort.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(hostAndPort.slice(at + 1)) };
}

let apps = 0;

/** A project id no other test uses: `demo-<label>-<random>`. */
export function uniqueProjectId(label: string): string {
  return createProjectId(label);
}

export interface ConnectTestFirestoreOptions {
  readonly projectId: string;
  /** Signed in as this uid for security rules (a mock token); null or absent: signed out. */
  readonly userId?: string | null;
  /** Bypass security rules (the emulator's `owner` token): for seeding and raw writes. */
  readonly admin?: boolean;
  /** `host:port` of another emulator than the run's (a test that starts its own). */
  readonly hostAndPort?: string;
}

/**
 * A client-SDK Firestore on the run's emulator, in its own Firebase app (so each user has
 * their own connection and token). Close it with {@link closeTestFirestore}.
 */
export function connectTestFirestore(options: ConnectTestFirestoreOptions): Firestore {
  const app = initializeApp({ projectId: options.projectId, apiKey: 'test-api-key' }, `test-${process.pid}-${++apps}`);
  const db = getFirestore(app);
  const { host, port } = splitHost(options.hostAndPort ?? emulatorHost());
  const userId = options.userId ?? null;
  const mockUserToken = options.admin === true ? 'owner' : userId === null ? undefined : { user_id: userId };
  connectFirestoreEmulator(db, host, port, mockUserToken === undefined ? {} : { mockUserToken });
  return db;
}

/** Terminates the Firestore instance and deletes its app. Safe to call twice. */
export async function closeTestFirestore(db: Firestore): Promise<void> {
  await terminate(db);
  await deleteApp(db.app).catch(() => undefined);
}

/**
 * Deletes every document of one project (only that one). The emulator has answered a clear
 * with HTTP 500 once in a fresh-clone CI run, after a test that had passed: a refused clear is
 * tried twice more (1 s apart) before it fails the caller.
 */
export async function clearProject(projectId: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await clearEmulatorProject(emulatorHost(), projectId);
      return;
    } catch (e) {
      if (attempt >= 3 || !(e instanceof Error && /HTTP 5\d\d/.test(e.message))) throw e;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }
}

/** Replaces one project's rules (default: the chat rules the emulator started with). */
export function setProjectRules(projectId: string, source: string): Promise<void> {
  return setEmulatorProjectRules(emulatorHost(), projectId, source);
}

/** One test's (or one file's) project on the shared emulator. */
export interface TestProject {
  readonly projectId: string;
  /** A Firestore signed in as `userId` (null: signed out), closed by `dispose()`. */
  connect(userId?: string | null): Firestore;
  /** A Firestore that bypasses security rules, closed by `dispose()`: for seeding and raw writes. */
  connectAdmin(): Firestore;
  /** Deletes this project's documents. */
  clear(): Promise<void>;
  setRules(source: string): Promise<void>;
  /** Closes every Firestore from `connect` and clears the project's data. */
  dispose(): Promise<void>;
}

export interface CreateTestProjectOptions {
  /** Readable part of the project id. */
  readonly label: string;
  /** Rules source for this project; default the emulator's (the chat rules). */
  readonly rules?: string;
}

/**
 * A fresh project on the run's emulator. Use one per test file (or per test) and call
 * `dispose()` in afterAll/afterEach.
 */
export async function createTestProject(options: CreateTestProjectOptions): Promise<TestProject> {
  const projectId = uniqueProjectId(options.label);
  if (options.rules !== undefined) await setProjectRules(projectId, options.rules);
  const open = new Set<Firestore>();
  return {
    projectId,
    connect(userId = null) {
      const db = connectTestFirestore({ projectId, userId });
      open.add(db);
      return db;
    },
    connectAdmin() {
      const db = connectTestFirestore({ projectId, admin: true });
      open.add(db);
      return db;
    },
    clear: () => clearProject(projectId),
    setRules: (source) => setProjectRules(projectId, source),
    async dispose() {
      const closing = [...open].map((db) => closeTestFirestore(db));
      open.clear();
      await Promise.all(closing);
      await clearProject(projectId);
    },
  };
}
