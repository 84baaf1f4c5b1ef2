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
import type { RemotePort, WriteAck } from '../../src/index.js';
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

/** Between the starts of concurrent batches (see `writeConcurrently`). */
const BATCH_START_GAP_MS = 5;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export const firestoreContractHarness: RemoteContractHarness = {
  // A stalled listener gets reopened after 2 s (+ backoff); two CI runs saw one need more than 10 s.
  deliveryDeadlineMs: 30_000,
  async setup(): Promise<RemoteTestBackend> {
    const project = await createTestProject({ label: 'remote-contract', rules: rulesDenying([]) });
    const denied: string[] = [];
    let admin: Firestore | null = null;
    /** One rules-bypassing remote per concurrent batch: each its own Firestore, so its own write stream. */
    const writers: FirestoreRemote[] = [];
    const writer = (i: number): FirestoreRemote => (writers[i] ??= createFirestoreRemote({ firestore: project.connectAdmin(), collections: [lists, todos] }));
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
      async writeConcurrently(batches, options) {
        const started: Promise<WriteAck[]>[] = [];
        for (const [i, batch] of batches.entries()) {
          started.push(writer(i).write(batch));
          // A moment between starts, so that the server stamps them in the order given.
          if (i < batches.length - 1) await sleep(BATCH_START_GAP_MS);
        }
        const [first, ...rest] = started;
        const firstSettled = first?.then(
          (acks) => ({ acks }),
          (error: unknown) => ({ error }),
        );
        const restAcks = await Promise.all(rest);
        await options?.whileFirstPending?.();
        const outcome = await firstSettled;
        if (outcome && 'error' in outcome) throw outcome.error;
        return outcome ? [outcome.acks, ...restAcks] : [];
      },
      async deny(prefix) {
        denied.push(prefix);
        await project.setRules(rulesDenying(denied));
      },
      async teardown() {
        await Promise.all(writers.map((w) => w.close()));
        await project.dispose();
      },
    };
  },
};
