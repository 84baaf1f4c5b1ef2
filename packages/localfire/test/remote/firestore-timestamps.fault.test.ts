// Server code that writes `updatedAt` as a literal time (Admin SDK, a Cloud Function, a migration
// script) instead of `serverTimestamp()`, on the run's emulator: a future stamp never silences
// the scope (the checkpoint stays at what the server committed), a past stamp is delivered to a
// listener that can still see it, and both are found by the engine's suspect-timestamp check.
import { doc, setDoc, Timestamp } from 'firebase/firestore';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFirestoreRemote } from '../../src/adapters/firestore/index.js';
import type { FirestoreRemote } from '../../src/adapters/firestore/index.js';
import { findSuspectTimestamps } from '../../src/sync/suspect-timestamps.js';
import type { FieldChange, RemoteScope, RemoteWrite } from '../../src/index.js';
import { createTestProject } from '../../../../test-support/firestore.js';
import type { TestProject } from '../../../../test-support/firestore.js';
import { lists, todos } from '../fixtures/todo.js';
import { rulesDenying } from './firestore-test-backend.js';
import { idOf, watch } from './watch-scope.js';
import { until as waitUntil } from '../../../../test-support/until.js';

const until = (condition: () => boolean, what: string) => waitUntil(condition, what, { timeoutMs: 30_000 });
const HOUR_MS = 3_600_000;
const set = (value: unknown): FieldChange => ({ op: 'set', value });
const todo = (id: string): RemoteWrite => ({
  mutationId: `m-${id}`, collection: 'todos', id, path: `lists/l1/todos/${id}`, op: 'set',
  fields: { listId: set('l1'), title: set(`todo ${id}`), done: set(false), position: set(1), tags: set([]) },
});
const scope: RemoteScope = { collection: 'todos', parents: { listId: 'l1' } };
describe('Firestore remote: literal updatedAt from server code', { timeout: 90_000 }, () => {
  let project: TestProject;
  let remotes: FirestoreRemote[];
  const connect = (userId: string) => {
    const remote = createFirestoreRemote({ firestore: project.connect(userId), collections: [lists, todos] });
    remotes.push(remote);
    return remote;
  };
  const serverWrite = (id: string, updatedAt: Timestamp) =>
    setDoc(doc(project.connectAdmin(), `lists/l1/todos/${id}`), { listId: 'l1', title: `server ${id}`, done: false, position: 1, tags: [], deleted: false, updatedAt });

  beforeEach(async () => {
    remotes = [];
    project = await createTestProject({ label: 'firestore-timestamps', rules: rulesDenying([]) });
  });
  afterEach(async () => {
    await Promise.all(remotes.map((r) => r.close()));
    await project.dispose();
  });

  it('an updatedAt an hour ahead is delivered and reported, and the scope goes on delivering, also after a resume', async () => {
    const [a, b] = [connect('alice'), connect('bob')];
    const seen = watch(b, scope);
    await a.write([todo('before')]);
    await until(() => seen.ids().includes('before'), 'before');
    await serverWrite('future', Timestamp.fromMillis(Date.now() + HOUR_MS));
    await until(() => seen.ids().includes('future'), 'the future-stamped document');
    const checkpoint = seen.checkpoints.at(-1)!;
    const future = seen.changes.find((c) => idOf(c) === 'future');
    const committed = future !== undefined && 'doc' in future ? future.doc.version : 0;
    // The checkpoint is at the commit, not an hour ahead.
    expect(checkpoint.serverTime).toBeLessThanOrEqual(committed);
    expect(findSuspectTimestamps(seen.changes, 60_000).map((s) => [s.id, s.skewMs > 0.9 * HOUR_MS])).toEqual([['future', true]]);

    await a.write([todo('after')]);
    await until(() => seen.ids().includes('after'), 'a document written after it');
    seen.subscription.close();

    const resumed = watch(b, scope, checkpoint);
    await a.write([todo('resumed')]);
    await until(() => resumed.ids().includes('resumed'), 'a document written after the resume');
    expect(resumed.ids().filter((id) => id === 'future')).toEqual([]);
    expect([...seen.errors, ...resumed.errors]).toEqual([]);
  });

  it('an updatedAt an hour in the past reaches a listener that can still see it, and is reported', async () => {
    const b = connect('bob');
    await serverWrite('past', Timestamp.fromMillis(Date.now() - HOUR_MS));
    const seen = watch(b, scope);
    await until(() => seen.ids().includes('past'), 'the past-stamped document');
    const suspects = findSuspectTimestamps(seen.changes, 60_000);
    expect(suspects.map((s) => [s.id, s.skewMs < -0.9 * HOUR_MS])).toEqual([['past', true]]);
    expect(seen.errors).toEqual([]);
  });
});
