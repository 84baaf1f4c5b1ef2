// Live results patched in memory must always equal a fresh query: random writes, many query shapes.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Query, Stored } from '../../src/index.js';
import { todos, type Todo } from '../fixtures/todo.js';
import { openStore, settle, todoInput, type TestStore } from './helpers.js';
import { prng } from '../../../../test-support/prng.js';

const QUERIES: Query<Todo>[] = [
  {},
  { where: { listId: 'l1' }, orderBy: [['position', 'asc']] },
  { where: { listId: 'l1' }, orderBy: [['position', 'desc']], limit: 5 },
  { where: { done: false }, orderBy: [['dueAt', 'asc'], ['position', 'desc']], limit: 4 },
  { where: { tags: { contains: 'x' } }, orderBy: [['title', 'asc']] },
  { where: { position: { gte: 3, lt: 8 }, listId: { in: ['l1', 'l2'] } }, orderBy: [['position', 'asc']] },
  { where: { dueAt: { ne: undefined } }, orderBy: [['dueAt', 'desc']], limit: 3 },
  { where: { listId: { ne: 'l2' } }, includeDeleted: true, orderBy: [['title', 'desc']] },
  { orderBy: [['done', 'asc'], ['position', 'asc']], limit: 0 },
];

describe('patched live results equal a fresh query', () => {
  let t: TestStore;
  beforeEach(async () => {
    t = await openStore();
  });
  afterEach(async () => {
    await t.store.close();
  });

  for (const seed of [1, 2, 3]) {
    it(`random writes, seed ${seed}`, async () => {
      const random = prng(seed);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
      const repo = t.store.repo(todos);
      const latest = QUERIES.map(() => [] as Stored<Todo>[]);
      const stops = QUERIES.map((q, i) => repo.observeQuery(q).subscribe((rows) => (latest[i] = rows)));
      const one = { value: undefined as Stored<Todo> | undefined };
      const stopOne = repo.observe('t3').subscribe((row) => (one.value = row));
      const titles = ['apple', 'Banana', 'cherry', 'élan', '😀 emoji', 'zeta'];
      for (let step = 0; step < 120; step++) {
        const live = (await repo.query({})).map((r) => r.id);
        const r = random();
        await t.store.transaction(async (tx) => {
          const tr = tx.repo(todos);
          const n = 1 + Math.floor(random() * 3);
          for (let k = 0; k < n; k++) {
            const target = live.length > 0 ? pick(live) : undefined;
            if (r < 0.35 || target === undefined) {
              const id = `t${step}-${k}`;
              await tr.create(todoInput({ id: step < 5 && k === 0 ? `t${step}` : id, listId: pick(['l1', 'l2', 'l3']), title: pick(titles), position: Math.floor(random() * 10), done: random() < 0.3, tags: random() < 0.4 ? ['x'] : [], ...(random() < 0.5 ? { dueAt: new Date(Math.floor(random() * 5) * 1000) } : {}) }));
            } else if (r < 0.7) {
              await tr.update(target, random() < 0.5 ? { position: Math.floor(random() * 10), title: pick(titles) } : { done: random() < 0.5, dueAt: random() < 0.5 ? undefined : new Date(Math.floor(random() * 5) * 1000) });
            } else if (r < 0.8) {
              await tr.addToSet(target, { tags: [pick(['x', 'y'])] });
            } else {
              await tr.delete(target);
              live.splice(live.indexOf(target), 1);
            }
          }
        });
        if (step % 10 === 9) {
          const entries = await t.store.sync.listOutbox();
          await t.store.sync.transaction(async (tx) => {
            await tx.ack(entries.slice(0, 3).map((e) => ({ seq: e.seq, serverTime: step * 1000 })));
            const victim = entries[4];
            if (victim) await tx.purgeRow('todos', victim.docId);
            await tx.writeRow('todos', { id: `remote${step}`, data: todoInput({ listId: 'l1', position: step % 10, tags: ['x'] }), serverTime: step, deleted: false, syncStatus: 'synced' });
          });
        }
        await settle(t.store);
        for (let i = 0; i < QUERIES.length; i++) {
          expect(latest[i], `query ${i} after step ${step}`).toEqual(await repo.query(QUERIES[i]!));
        }
        expect(one.value).toEqual(await repo.read('t3'));
      }
      for (const stop of stops) stop();
      stopOne();
    });
  }
});
