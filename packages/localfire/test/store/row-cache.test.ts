// The rows a write transaction knows without a SELECT (row-cache.ts) must always be what a
// SELECT returns: random app writes, remote applies, acknowledgements, failures, retries,
// purges, evictions and rolled-back transactions, checked after every step.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isLocalfireError } from '../../src/index.js';
import type { Stored } from '../../src/index.js';
import { createCommittedRows } from '../../src/store/row-cache.js';
import type { RowMeta } from '../../src/store/types.js';
import { todos, type Todo } from '../fixtures/todo.js';
import { countingDriver, openStore, todoInput, type TestStore } from './helpers.js';
import { prng } from '../../../../test-support/prng.js';

const IDS = ['a', 'b', 'c', 'd', 'e'];

describe('rows known without a SELECT equal the database', () => {
  let t: TestStore;
  let counted: ReturnType<typeof countingDriver> | undefined;
  beforeEach(async () => {
    t = await openStore({ wrap: (d) => (counted = countingDriver(d, 'WHERE id = ?')).driver });
  });
  afterEach(async () => {
    await t.store.close();
  });

  for (const seed of [1, 2, 3, 4]) {
    it(`random operations of the app and the sync engine, seed ${seed}`, async () => {
      const random = prng(seed);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
      const repo = t.store.repo(todos);
      const sync = t.store.sync;
      const served = { cached: 0, selected: 0 };

      for (let step = 0; step < 250; step++) {
        const id = pick(IDS);
        const r = random();
        try {
          if (r < 0.15) {
            await repo.upsert({ ...todoInput({ title: `upsert ${step}`, position: step }), id });
          } else if (r < 0.35) {
            await t.store.transaction(async (tx) => {
              const tr = tx.repo(todos);
              await tr.update(id, { title: `update ${step}` });
              if (random() < 0.5) await tr.addToSet(pick(IDS), { tags: [pick(['x', 'y'])] });
              if (random() < 0.3) await tr.update(pick(IDS), { done: random() < 0.5 });
            });
          } else if (r < 0.42) {
            await repo.delete(id);
          } else if (r < 0.57) {
            await sync.transaction((tx) =>
              tx.writeRow('todos', {
                id,
                data: { listId: 'l1', title: `remote ${step}`, done: random() < 0.5, position: step, tags: random() < 0.5 ? ['r'] : [] },
                serverTime: step,
                deleted: random() < 0.1,
                syncStatus: 'synced',
              }),
            );
          } else if (r < 0.7) {
            const ready = await sync.readyWrites(Number.MAX_SAFE_INTEGER, 1 + Math.floor(random() * 3));
            await sync.transaction((tx) => tx.ack(ready.map((e) => ({ seq: e.seq, serverTime: 1_000 + step }))));
          } else if (r < 0.77) {
            const ready = await sync.readyWrites(Number.MAX_SAFE_INTEGER, 2);
            await sync.transaction((tx) => tx.recordFailure(ready.map((e) => e.seq), { kind: 'timeout', message: 'down', nextAttemptAt: random() < 0.5 ? null : 0 }));
          } else if (r < 0.8) {
            await sync.transaction((tx) => tx.retryFailed());
          } else if (r < 0.85) {
            await sync.transaction((tx) => tx.purgeRow('todos', id));
          } else if (r < 0.88) {
            await sync.clearCache();
          } else {
            await expect(
              t.store.transaction(async (tx) => {
                await tx.repo(todos).update(id, { title: `rolled back ${step}` });
                throw new Error('abort');
              }),
            ).rejects.toThrow();
          }
        } catch (e) {
          if (!isLocalfireError(e)) throw e; // not-found, conflict: refused, nothing written
        }

        const fresh = await Promise.all(IDS.map((i) => repo.read(i))); // a store read: always a SELECT
        const before = counted!.count();
        const known = await t.store.transaction((tx) => Promise.all(IDS.map((i) => tx.repo(todos).read(i))));
        const selects = counted!.count() - before;
        served.selected += selects;
        served.cached += IDS.length - selects;
        expect(known, `step ${step}`).toEqual(fresh);
      }
      // Both paths ran: the check is not vacuous.
      expect(served.cached).toBeGreaterThan(100);
      expect(served.selected).toBeGreaterThan(10);
    });
  }
});

describe('committed rows', () => {
  const meta: RowMeta = { syncStatus: 'synced', retryCount: 0, lastSyncAttempt: null, serverTimestamp: null, createdAt: new Date(0), updatedAt: new Date(0), deleted: false };
  const after = (id: string, title: string): Stored<Todo> => ({ ...todoInput({ id, title }), id, $meta: meta });

  it('keep at most their bound, dropping the least recently used', () => {
    const rows = createCommittedRows(2);
    const tx = rows.begin();
    tx.commit(new Map([['todos', [{ id: 'a', versions: null, after: after('a', 'A') }, { id: 'b', versions: null, after: after('b', 'B') }]]]));
    expect(rows.begin().get('todos', 'a')?.data['title']).toBe('A'); // a is now the most recent
    rows.begin().commit(new Map([['todos', [{ id: 'c', versions: null, after: after('c', 'C') }]]]));
    const view = rows.begin();
    expect([view.get('todos', 'a')?.data['title'], view.get('todos', 'b'), view.get('todos', 'c')?.data['title']]).toEqual(['A', undefined, 'C']);
    expect(rows.size).toBe(2);
  });

  it('drop a collection changed in bulk, and never serve a row the transaction changed itself', () => {
    const rows = createCommittedRows();
    rows.begin().commit(new Map([['todos', [{ id: 'a', versions: null, after: after('a', 'A') }]], ['lists', [{ id: 'l', versions: null, after: { id: 'l', name: 'L', ownerId: 'o', $meta: meta } }]]]));
    const tx = rows.begin();
    tx.changed('lists', 'l');
    expect(tx.get('lists', 'l')).toBeUndefined();
    tx.changed('todos');
    expect(tx.get('todos', 'a')).toBeUndefined();
    tx.commit(new Map([['todos', 'all']]));
    const next = rows.begin();
    expect(next.get('todos', 'a')).toBeUndefined();
    expect(next.get('lists', 'l')?.data['name']).toBe('L');
  });
});
