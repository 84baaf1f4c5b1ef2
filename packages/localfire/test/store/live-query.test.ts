import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LiveQuery, SqliteDriver } from '../../src/index.js';
import { lists, todos } from '../fixtures/todo.js';
import { countingDriver, openStore, settle, todoInput, type TestStore } from './helpers.js';

function record<R>(live: LiveQuery<R>): { values: R[]; errors: unknown[]; stop: () => void } {
  const values: R[] = [];
  const errors: unknown[] = [];
  const stop = live.subscribe(
    (v) => values.push(v),
    (e) => errors.push(e),
  );
  return { values, errors, stop };
}

describe('live queries', () => {
  let t: TestStore;
  let selects: () => number;
  beforeEach(async () => {
    t = await openStore({
      wrap: (d: SqliteDriver) => {
        const c = countingDriver(d, 'FROM "todos"');
        selects = c.count;
        return c.driver;
      },
    });
    await t.store.repo(todos).create(todoInput({ id: 'a', position: 1 }));
  });
  afterEach(async () => {
    await t.store.close();
  });

  it('the first value is the current result', async () => {
    const r = record(t.store.repo(todos).observeQuery({ where: { listId: 'l1' } }));
    await settle(t.store);
    expect(r.values.map((rows) => rows.map((x) => x.id))).toEqual([['a']]);
    r.stop();
  });

  it('emits after a committed write that changes the result, once per transaction', async () => {
    const r = record(t.store.repo(todos).observeQuery({ where: { listId: 'l1' }, orderBy: [['position', 'asc']] }));
    await settle(t.store);
    await t.store.transaction(async (tx) => {
      for (let i = 2; i <= 6; i++) await tx.repo(todos).create(todoInput({ id: `n${i}`, position: i }));
      await tx.repo(todos).update('a', { title: 'changed' });
    });
    await settle(t.store);
    expect(r.values).toHaveLength(2);
    expect(r.values[1]!.map((x) => x.id)).toEqual(['a', 'n2', 'n3', 'n4', 'n5', 'n6']);
    expect(r.values[1]![0]!.title).toBe('changed');
    r.stop();
  });

  it('stays silent when a write leaves the result equal (equality cut-off)', async () => {
    const r = record(t.store.repo(todos).observeQuery({ where: { done: false }, orderBy: [['position', 'asc']], limit: 1 }));
    await settle(t.store);
    await t.store.repo(todos).create(todoInput({ id: 'later', position: 50 }));
    await t.store.repo(lists).create({ id: 'l1', name: 'home', ownerId: 'u' });
    await settle(t.store);
    expect(r.values).toHaveLength(1);
    r.stop();
  });

  it('does not even re-run when no changed row can match its equality filters', async () => {
    const r = record(t.store.repo(todos).observeQuery({ where: { listId: 'l1' } }));
    await settle(t.store);
    const before = selects();
    await t.store.repo(todos).create(todoInput({ id: 'other', listId: 'l2' }));
    await t.store.repo(todos).update('other', { done: true });
    await settle(t.store);
    expect(selects()).toBe(before); // no re-run (and the update knows the row its create committed)
    await t.store.repo(todos).create(todoInput({ id: 'mine', listId: 'l1' }));
    await settle(t.store);
    expect(r.values).toHaveLength(2);
    r.stop();
  });

  it('hears nothing from a rolled-back transaction', async () => {
    const r = record(t.store.repo(todos).observe());
    await settle(t.store);
    await expect(
      t.store.transaction(async (tx) => {
        await tx.repo(todos).create(todoInput({ id: 'x' }));
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    await settle(t.store);
    expect(r.values).toHaveLength(1);
    r.stop();
  });

  it('hears nothing after unsubscribe, also for a transaction that commits after it', async () => {
    const patched = record(t.store.repo(todos).observe());
    const requeried = record(t.store.live((tx) => tx.repo(todos).count()));
    await settle(t.store);
    await t.store.transaction(async (tx) => {
      await tx.repo(todos).create(todoInput({ id: 'x' }));
      patched.stop();
      requeried.stop();
    });
    await t.store.repo(todos).create(todoInput({ id: 'y' }));
    await settle(t.store);
    expect(patched.values).toHaveLength(1);
    expect(requeried.values).toEqual([1]);
  });

  it('observe(id) follows one row: updates, unrelated rows ignored, deletion gives undefined', async () => {
    const r = record(t.store.repo(todos).observe('a'));
    await settle(t.store);
    const before = selects();
    await t.store.repo(todos).create(todoInput({ id: 'b' }));
    await settle(t.store);
    expect(selects()).toBe(before); // a create reads nothing; the observed row is untouched
    await t.store.repo(todos).update('a', { done: true });
    await settle(t.store);
    await t.store.repo(todos).delete('a');
    await settle(t.store);
    expect(r.values.map((v) => v?.done)).toEqual([false, true, undefined]);
    r.stop();
  });

  it('emits when only the bookkeeping changes (sync status)', async () => {
    const r = record(t.store.repo(todos).observe('a'));
    await settle(t.store);
    const [entry] = await t.store.sync.listOutbox();
    await t.store.sync.transaction((tx) => tx.ack([{ seq: entry!.seq, serverTime: 1_000_000 }]));
    await settle(t.store);
    expect(r.values.map((v) => v?.$meta.syncStatus)).toEqual(['pending', 'synced']);
    expect(r.values[1]?.$meta.serverTimestamp).toEqual(new Date(1000));
    r.stop();
  });

  it('is an AsyncIterable; breaking the loop unsubscribes', async () => {
    const seen: string[][] = [];
    const writes = (async () => {
      await settle(t.store);
      await t.store.repo(todos).create(todoInput({ id: 'b', position: 2 }));
    })();
    for await (const rows of t.store.repo(todos).observeQuery({ orderBy: [['position', 'asc']] })) {
      seen.push(rows.map((x) => x.id));
      if (seen.length === 2) break;
    }
    await writes;
    const before = selects();
    await t.store.repo(todos).create(todoInput({ id: 'c', position: 3 }));
    await settle(t.store);
    expect(seen).toEqual([['a'], ['a', 'b']]);
    expect(selects()).toBe(before); // nothing re-ran (and a create reads nothing)
  });

  it('get() runs once; store.live tracks the collections its read touched', async () => {
    const live = t.store.live(async (tx) => {
      const todo = await tx.repo(todos).read('a');
      const count = await tx.repo(todos).count();
      return { title: todo?.title, count };
    });
    expect(await live.get()).toEqual({ title: 'buy milk', count: 1 });
    const r = record(live);
    await settle(t.store);
    await t.store.repo(lists).create({ id: 'l1', name: 'x', ownerId: 'u' });
    await settle(t.store);
    const before = selects();
    await t.store.repo(lists).update('l1', { name: 'y' });
    await settle(t.store);
    expect(selects()).toBe(before);
    await t.store.repo(todos).create(todoInput({ id: 'b' }));
    await settle(t.store);
    expect(r.values).toEqual([
      { title: 'buy milk', count: 1 },
      { title: 'buy milk', count: 2 },
    ]);
    r.stop();
  });

  it('a live read may not write; the error goes to onError', async () => {
    const r = record(t.store.live((tx) => tx.repo(todos).create(todoInput())));
    await settle(t.store);
    expect(r.values).toEqual([]);
    expect(r.errors).toEqual([expect.objectContaining({ kind: 'invalid-query' })]);
    r.stop();
  });

  it('a throwing listener is reported to onError and does not stop other subscribers', async () => {
    const live = t.store.repo(todos).observe();
    const errors: unknown[] = [];
    const stopBad = live.subscribe(
      () => {
        throw new Error('listener');
      },
      (e) => errors.push(e),
    );
    const good = record(live);
    await settle(t.store);
    expect(errors).toHaveLength(1);
    expect(good.values).toHaveLength(1);
    stopBad();
    good.stop();
  });

  it('closing the store ends iterators', async () => {
    const iterator = t.store.repo(todos).observe()[Symbol.asyncIterator]();
    expect((await iterator.next()).done).toBe(false);
    const pending = iterator.next();
    await t.store.close();
    expect(await pending).toEqual({ value: undefined, done: true });
  });

  it('an invalid live query reports its error to the iterator', async () => {
    const iterator = t.store.repo(todos).observeQuery({ where: { nope: 1 } as never })[Symbol.asyncIterator]();
    await expect(iterator.next()).rejects.toMatchObject({ kind: 'invalid-query' });
    await iterator.return?.();
  });
});
