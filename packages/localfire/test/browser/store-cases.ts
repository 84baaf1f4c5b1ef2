// The local store on the browser driver: repositories, the outbox and live queries run on
// SQLite WASM in OPFS exactly as they do on better-sqlite3.
import { openBrowserDatabase } from '../../src/adapters/sqlite-wasm/index.js';
import { createLocalStore } from '../../src/index.js';
import { lists, todos } from '../fixtures/todo.js';
import type { BrowserCase } from './browser-driver-cases.js';

function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(message);
}

const open = async (reset: boolean) => {
  let now = 1_700_000_000_000;
  let ids = 0;
  const driver = await openBrowserDatabase({ userId: 'store-user', reset });
  return createLocalStore({ driver, collections: [lists, todos], clock: () => now++, newId: () => `id-${++ids}` });
};

export const storeCases: readonly BrowserCase[] = [
  {
    name: 'repository writes, queries, the outbox and a live query work on SQLite WASM, and survive a reopen',
    async run() {
      const store = await open(true);
      const repo = store.repo(todos);
      const seen: string[][] = [];
      const titles = store.live(async (tx) =>
        (await tx.repo(todos).query({ where: { listId: 'l1' }, orderBy: [['position', 'asc']] })).map((r) => r.title));
      const stop = titles.subscribe((value) => seen.push(value));
      await store.transaction(async (tx) => {
        await tx.repo(todos).create({ listId: 'l1', title: 'first', done: false, position: 1, tags: ['a'] });
        await tx.repo(todos).create({ listId: 'l1', title: 'second', done: false, position: 2, tags: [] });
      });
      await repo.update('id-1', { done: true });
      const done = await repo.query({ where: { done: true } });
      check(done.length === 1 && done[0]?.title === 'first' && done[0].$meta.syncStatus === 'pending', 'query by done');
      const stats = await store.sync.outboxStats();
      check(stats.pending > 0 && stats.failed === 0, `pending outbox entries: ${JSON.stringify(stats)}`);
      for (let i = 0; i < 50 && seen.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
      check(JSON.stringify(seen) === JSON.stringify([[], ['first', 'second']]), `live query: ${JSON.stringify(seen)}`);
      stop();
      await store.close();

      const reopened = await open(false);
      try {
        const all = await reopened.repo(todos).query({ where: { listId: 'l1' }, orderBy: [['position', 'asc']] });
        check(all.map((t) => `${t.title}:${String(t.done)}`).join() === 'first:true,second:false', 'persisted rows');
        check((await reopened.sync.outboxStats()).pending === stats.pending, 'persisted outbox');
      } finally {
        await reopened.close();
      }
    },
  },
];
