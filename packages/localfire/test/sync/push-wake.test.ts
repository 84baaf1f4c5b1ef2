// Regression: an outbox entry that becomes due between the push pass's read of the ready writes
// and its wake-up lookup was neither pushed nor scheduled, so it waited for the periodic worker
// (seen as multi-second e2e-sync outliers over the emulator). Time moves on during a pass here
// by a wrapper that advances the engine's clock after each `readyWrites`.
import { afterEach, expect, it } from 'vitest';
import { createNodeSqliteDriver } from '../../src/adapters/node-sqlite/index.js';
import { createLocalStore, createSyncEngine } from '../../src/index.js';
import type { LocalStore, SyncEngine, SyncStore } from '../../src/index.js';
import { lists, todos } from '../fixtures/todo.js';
import { list, newBackend, serverRows, todoScopes, until, USER } from './helpers.js';

let engine: SyncEngine | null = null;
let store: LocalStore | null = null;
afterEach(async () => {
  await engine?.stop();
  await store?.close();
});

it('an entry that becomes due during a pass is pushed at once, not by the periodic worker', async () => {
  const backend = newBackend();
  let engineNow = Date.now();
  // The store stamps entries 50 ms ahead of the engine's clock: due shortly after they are written.
  store = await createLocalStore({ driver: createNodeSqliteDriver({ filename: ':memory:' }), collections: [todos, lists], clock: () => engineNow + 50 });
  const sync = Object.create(store.sync) as SyncStore;
  Object.defineProperty(sync, 'readyWrites', {
    value: async (...args: Parameters<SyncStore['readyWrites']>) => {
      const ready = await store!.sync.readyWrites(...args);
      engineNow += 100; // the query took a while: the pass's clock moved past the new entry
      return ready;
    },
  });
  const probed = Object.create(store) as LocalStore;
  Object.defineProperty(probed, 'sync', { value: sync });
  engine = createSyncEngine({ store: probed, remote: backend.connect({ userId: USER }), userId: USER, scopes: todoScopes, clock: () => engineNow, periodicMs: 600_000 });
  await engine.start();
  await engine.whenIdle();

  await store.repo(lists).create(list('l1'));
  await until(() => serverRows(backend, 'lists').length === 1, 'the list to be pushed');
  expect(serverRows(backend, 'lists')).toEqual([list('l1')]);
});
