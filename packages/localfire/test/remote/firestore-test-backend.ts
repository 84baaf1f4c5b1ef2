/*
 * The Firestore adapter's contract harness on the run's shared emulator: one project per
 * test (data and rules are per project), clients through `createFirestoreRemote`, raw writes
 * through a rules-bypassing `owner` client, and `deny(prefix)` by reloading the project's
 * rules with that prefix excluded.
 */
import { doc, serverTimestamp, setDoc, setLogLevel } from 'firebase/firestore';
import type { Firestore } from 'firebase/firestore';
import type { FirestoreRemote } from '../../src/adapters/firestore/index.js';
import { createFirestoreRemote } from '../../src/adapters/firestore/index.js';
import type { RemotePort } from '../../src/index.js';
import { lists, todos } from '../fixtures/todo.js';
import { createTestProject } from '../../../../test-support/firestore.js';
import type { RemoteContractHarness, RemoteTestBackend } from './remote-contract.js';

// The SDK logs every refused write and listener at warning level; the tests assert the errors.
setLogLevel('silent');

/**
 * Open rules except under the denied path prefixes (documents up to three levels deep). Each
 * level's condition names only the wildcards a prefix covers: a list query leaves the
 * document id unbound, and touching it would deny the whole query.
 */
export function rulesDenying(prefixes: readonly string[]): string {
  const levels = [1, 2, 3].map((depth) => {
    const names = Array.from({ length: depth }, (_, i) => [`c${i}`, `d${i}`]).flat();
    const conditions = prefixes
      .map((prefix) => prefix.split('/'))
      .filter((parts) => parts.length <= names.length)
      .map((parts) => `(${parts.map((segment, i) => `${names[i]} == '${segment}'`).join(' && ')})`);
    const denied = conditions.length === 0 ? 'false' : conditions.join(' || ');
    return `    match /${names.map((n) => `{${n}}`).join('/')} { allow read, write: if !(${denied}); }`;
  });
  return `rules_version = '2';
service cloud.firestore {
  match /databases/{database}/documents {
${levels.join('\n')}
  }
}
`;
}

export const firestoreContractHarness: RemoteContractHarness = {
  // A stalled listener gets reopened after 2 s (+ backoff); two CI runs saw one need more than 10 s.
  deliveryDeadlineMs: 30_000,
  async setup(): Promise<RemoteTestBackend> {
    const project = await createTestProject({ label: 'remote-contract', rules: rulesDenying([]) });
    const denied: string[] = [];
    let admin: Firestore | null = null;
    return {
      connect(userId) {
        const firestore = project.connect(userId);
        // A short stall timeout: the emulator sometimes leaves a new listener silent for longer than
        // the contract's 10 s deadline; the adapter's watchdog reopens it well within it.
        return Promise.resolve(createFirestoreRemote({ firestore, collections: [lists, todos] }));
      },
      setOnline(client: RemotePort, online) {
        return (client as FirestoreRemote).setNetworkEnabled(online);
      },
      async writeRaw(path, data) {
        admin ??= project.connectAdmin();
        await setDoc(doc(admin, path), { updatedAt: serverTimestamp(), ...data });
      },
      async deny(prefix) {
        denied.push(prefix);
        await project.setRules(rulesDenying(denied));
      },
      teardown: () => project.dispose(),
    };
  },
};
