// The stall watchdog on the emulator, at the shipped defaults: a client whose SDK went offline
// behind the adapter's back (its listeners fall back to cache, as after a watch stream failure
// that leaves the SDK in its backoff) gets its network cycled, and delivers what it missed once.
import { disableNetwork } from 'firebase/firestore';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFirestoreRemote, DEFAULT_STALL_TIMEOUT_MS } from '../../src/adapters/firestore/index.js';
import type { FirestoreRemote, StallInfo } from '../../src/adapters/firestore/index.js';
import type { FieldChange, RemoteChange, RemoteWrite } from '../../src/index.js';
import { createTestProject } from '../../../../test-support/firestore.js';
import type { TestProject } from '../../../../test-support/firestore.js';
import { lists, todos } from '../fixtures/todo.js';
import { rulesDenying } from './firestore-test-backend.js';
import { until as waitUntil } from '../../../../test-support/until.js';

const until = (condition: () => boolean, what: string) => waitUntil(condition, what, { timeoutMs: 30_000 });

const set = (value: unknown): FieldChange => ({ op: 'set', value });
const todo = (id: string): RemoteWrite => ({
  mutationId: `m-${id}`, collection: 'todos', id, path: `lists/l1/todos/${id}`, op: 'set',
  fields: { listId: set('l1'), title: set(`todo ${id}`), done: set(false), position: set(1), tags: set([]) },
});
const idOf = (c: RemoteChange) => ('doc' in c ? c.doc.id : c.id);

describe('Firestore stall watchdog (emulator)', () => {
  let project: TestProject;
  let remotes: FirestoreRemote[];

  beforeEach(async () => {
    remotes = [];
    project = await createTestProject({ label: 'firestore-stall', rules: rulesDenying([]) });
  });
  afterEach(async () => {
    await Promise.all(remotes.map((r) => r.close()));
    await project.dispose();
  });

  it('cycles the network of a client stuck on cache within the fall-back grace, and delivers what it missed once', async () => {
    const a = createFirestoreRemote({ firestore: project.connect('alice'), collections: [lists, todos] });
    const stalls: StallInfo[] = [];
    const bFirestore = project.connect('bob');
    const b = createFirestoreRemote({
      firestore: bFirestore,
      collections: [lists, todos],
      onStall: (info) => stalls.push(info),
    });
    remotes.push(a, b);
    const changes: RemoteChange[] = [];
    b.subscribe({ collection: 'todos', parents: { listId: 'l1' } }, null, {
      onChanges: (batch) => {
        changes.push(...batch);
      },
      onError: (e) => {
        throw e;
      },
    });
    await a.write([todo('t1')]);
    await until(() => changes.length === 1, 't1');

    const mark = stalls.length; // t1 delivered: every listener is current, no stall episode runs
    await disableNetwork(bFirestore); // behind the adapter's back: it still counts the network as on
    const cut = Date.now();
    await a.write([todo('t2')]);
    await until(() => stalls.slice(mark).some((s) => s.action === 'cycle-network'), 'a network cycle');
    await until(() => changes.map(idOf).includes('t2'), 't2 after the cycle');

    const recovered = Date.now() - cut;
    await a.write([todo('t3')]);
    await until(() => changes.map(idOf).includes('t3'), 't3');

    expect(changes.map(idOf)).toEqual(['t1', 't2', 't3']);
    expect(stalls[mark]).toEqual({ collection: 'todos', path: 'lists/l1/todos', attempts: 1, action: 'cycle-network' });
    // The fall-back grace (2 s), not the stall timeout (10 s): the listener had been current.
    expect(recovered).toBeLessThan(DEFAULT_STALL_TIMEOUT_MS);
  });
});
