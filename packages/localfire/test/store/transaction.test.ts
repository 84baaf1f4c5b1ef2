import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isLocalfireError } from '../../src/index.js';
import type { SqliteDriver, Transaction } from '../../src/index.js';
import { lists, todos } from '../fixtures/todo.js';
import { countingDriver, openStore, tempDir, todoInput, type TestStore } from './helpers.js';

describe('transactions', () => {
  let t: TestStore;
  beforeEach(async () => {
    t = await openStore();
  });
  afterEach(async () => {
    await t.store.close();
  });

  it('commits several writes and their outbox entries together', async () => {
    const result = await t.store.transaction(async (tx) => {
      await tx.repo(lists).create({ id: 'l1', name: 'home', ownerId: 'u1' });
      const a = await tx.repo(todos).create(todoInput());
      await tx.repo(todos).update(a.id, { done: true });
      expect((await tx.repo(todos).read(a.id))?.done).toBe(true);
      return a.id;
    });
    expect(result).toBe('id-0002');
    expect(await t.store.repo(lists).count()).toBe(1);
    expect((await t.store.repo(todos).read(result))?.done).toBe(true);
    expect((await t.store.sync.listOutbox()).map((e) => [e.collection, e.docId])).toEqual([
      ['lists', 'l1'],
      ['todos', 'id-0002'],
      ['todos', 'id-0002'],
    ]);
  });

  it('a rolled-back transaction leaves neither rows nor outbox entries', async () => {
    await t.store.repo(todos).create(todoInput({ id: 'keep' }));
    const failure = new Error('boom');
    await expect(
      t.store.transaction(async (tx) => {
        await tx.repo(todos).create(todoInput({ id: 'x' }));
        await tx.repo(todos).update('keep', { title: 'changed' });
        await tx.repo(todos).delete('keep');
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await t.store.repo(todos).read('x')).toBeUndefined();
    expect((await t.store.repo(todos).read('keep'))?.title).toBe('buy milk');
    expect(await t.store.sync.listOutbox()).toHaveLength(1);
  });

  it('a failing write inside a transaction rolls back the earlier ones when the error propagates', async () => {
    await expect(
      t.store.transaction(async (tx) => {
        await tx.repo(todos).create(todoInput({ id: 'x' }));
        await tx.repo(todos).create(todoInput({ id: 'x' }));
      }),
    ).rejects.toSatisfy((e) => isLocalfireError(e, 'conflict'));
    expect(await t.store.repo(todos).count()).toBe(0);
    expect(await t.store.sync.listOutbox()).toEqual([]);
  });

  it('store reads wait for an open transaction and see only committed data', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const order: string[] = [];
    const tx = t.store.transaction(async (tx) => {
      await tx.repo(todos).create(todoInput({ id: 'x' }));
      order.push('written');
      await gate;
      order.push('commit');
    });
    await new Promise((r) => setTimeout(r, 5));
    const read = t.store.repo(todos).read('x').then((row) => {
      order.push('read');
      return row;
    });
    await new Promise((r) => setTimeout(r, 5));
    expect(order).toEqual(['written']);
    release();
    await tx;
    expect((await read)?.id).toBe('x');
    expect(order).toEqual(['written', 'commit', 'read']);
  });

  it('a transaction handle used after its transaction ended is closed', async () => {
    let leaked!: Transaction;
    await t.store.transaction(async (tx) => {
      leaked = tx;
      await Promise.resolve();
    });
    await expect(leaked.repo(todos).readAll()).rejects.toSatisfy((e) => isLocalfireError(e, 'closed'));
    await expect(leaked.repo(todos).create(todoInput())).rejects.toSatisfy((e) => isLocalfireError(e, 'closed'));
  });

  it('transactions run one after another in call order', async () => {
    const order: number[] = [];
    await Promise.all(
      [1, 2, 3].map((n) =>
        t.store.transaction(async (tx) => {
          await tx.repo(todos).create(todoInput({ id: `t${n}` }));
          await new Promise((r) => setTimeout(r, 3 - n));
          order.push(n);
        }),
      ),
    );
    expect(order).toEqual([1, 2, 3]);
  });

  it('tx.repo returns one repository per collection within a transaction', async () => {
    await t.store.transaction(async (tx) => {
      expect(tx.repo(todos)).toBe(tx.repo(todos));
      await Promise.resolve();
    });
  });
});

describe('transactions over a driver that defers writes', () => {
  /** The node driver, with deferred outbox inserts replaced by a failing statement while `sabotage` is on. */
  let sabotage = false;
  let deferred = 0;
  const sabotaging = (d: SqliteDriver): SqliteDriver => ({
    description: d.description,
    exec: (sql) => d.exec(sql),
    run: (sql, params) => d.run(sql, params),
    all: (sql, params) => d.all(sql, params),
    values: (sql, params) => d.values!(sql, params),
    defer(sql, params) {
      deferred += 1;
      if (sabotage && sql.includes('_lf_outbox')) d.defer!('INSERT INTO no_such_table VALUES (1)');
      else d.defer!(sql, params);
    },
    close: () => d.close(),
  });
  let t: TestStore;
  beforeEach(async () => {
    sabotage = false;
    deferred = 0;
    t = await openStore({ wrap: sabotaging });
  });
  afterEach(async () => {
    await t.store.close();
  });

  it('defers the rows, outbox entries and BEGIN of a write', async () => {
    await t.store.repo(todos).create(todoInput({ id: 'a' }));
    expect(deferred).toBe(3);
    expect(await t.store.sync.listOutbox()).toHaveLength(1);
  });

  it('a deferred write that fails fails the transaction at COMMIT and rolls every write back; later writes work', async () => {
    sabotage = true;
    await expect(t.store.transaction(async (tx) => {
      await tx.repo(lists).create({ id: 'l1', name: 'home', ownerId: 'u1' });
      await tx.repo(todos).create(todoInput({ id: 'x' }));
    })).rejects.toThrow(/no_such_table/);
    expect(await t.store.repo(lists).count()).toBe(0);
    expect(await t.store.repo(todos).count()).toBe(0);
    sabotage = false;
    await t.store.repo(todos).create(todoInput({ id: 'y' }));
    expect((await t.store.sync.listOutbox()).map((e) => e.docId)).toEqual(['y']);
  });

  it('a transaction that throws after a failed deferred write still rolls back, and the next transaction opens', async () => {
    sabotage = true;
    const failure = new Error('boom');
    await expect(t.store.transaction(async (tx) => {
      await tx.repo(todos).create(todoInput({ id: 'x' }));
      throw failure;
    })).rejects.toBe(failure);
    sabotage = false;
    await t.store.transaction(async (tx) => {
      await tx.repo(todos).create(todoInput({ id: 'y' }));
    });
    expect((await t.store.repo(todos).query({})).map((r) => r.id)).toEqual(['y']);
  });
});

describe('creates checked by the primary key (no SELECT for the id first)', () => {
  let counted: ReturnType<typeof countingDriver> | undefined;
  let t: TestStore;
  beforeEach(async () => {
    t = await openStore({ wrap: (d) => (counted = countingDriver(d, 'SELECT')).driver });
  });
  afterEach(async () => {
    await t.store.close();
  });

  const conflictOf = async (work: Promise<unknown>): Promise<Record<string, unknown>> => {
    const error = await work.then(() => undefined, (e: unknown) => e);
    if (!isLocalfireError(error, 'conflict')) throw new Error(`expected a conflict, got ${String(error)}`);
    return error.details;
  };

  it('a create reads nothing: its INSERT travels with the COMMIT', async () => {
    const before = counted!.count();
    await t.store.transaction(async (tx) => {
      await tx.repo(lists).create({ id: 'l1', name: 'home', ownerId: 'u1' });
      await tx.repo(todos).create(todoInput({ id: 'a', listId: 'l1' }));
    });
    expect(counted!.count()).toBe(before);
    expect(await t.store.repo(todos).count()).toBe(1);
  });

  it('a taken id (live or tombstoned) is the conflict of the create that used it, and the transaction writes nothing', async () => {
    await t.store.repo(todos).create(todoInput({ id: 'taken' }));
    await t.store.repo(todos).create(todoInput({ id: 'gone' }));
    await t.store.repo(todos).delete('gone');
    const outbox = (await t.store.sync.listOutbox()).length;
    for (const id of ['taken', 'gone']) {
      const details = await conflictOf(t.store.transaction(async (tx) => {
        await tx.repo(lists).create({ id: 'l1', name: 'home', ownerId: 'u1' });
        await tx.repo(todos).create(todoInput({ id: 'fresh' }));
        await tx.repo(todos).create(todoInput({ id }));
      }));
      expect(details).toEqual({ collection: 'todos', id });
    }
    expect(await t.store.repo(lists).count()).toBe(0);
    expect(await t.store.repo(todos).read('fresh')).toBeUndefined();
    expect(await t.store.sync.listOutbox()).toHaveLength(outbox);
    // The store-level create reports it the same way.
    expect(await conflictOf(t.store.repo(todos).create(todoInput({ id: 'taken', title: 'again' })))).toEqual({ collection: 'todos', id: 'taken' });
  });

  it('one id created twice in a transaction is a conflict; a later read in the transaction surfaces it too', async () => {
    expect(await conflictOf(t.store.transaction(async (tx) => {
      await tx.repo(todos).create(todoInput({ id: 'twice' }));
      await tx.repo(todos).create(todoInput({ id: 'twice' }));
    }))).toEqual({ collection: 'todos', id: 'twice' });
    await t.store.repo(todos).create(todoInput({ id: 'taken' }));
    expect(await conflictOf(t.store.transaction(async (tx) => {
      await tx.repo(todos).create(todoInput({ id: 'taken' }));
      await tx.repo(todos).count();
    }))).toEqual({ collection: 'todos', id: 'taken' });
    expect(await t.store.repo(todos).count()).toBe(1);
  });
});

describe('the rows a write transaction knows without a SELECT', () => {
  let counted: ReturnType<typeof countingDriver> | undefined;
  let t: TestStore;
  beforeEach(async () => {
    t = await openStore({ wrap: (d) => (counted = countingDriver(d, 'WHERE id = ?')).driver });
  });
  afterEach(async () => {
    await t.store.close();
  });

  it('reads a committed row with no SELECT, once more after changing it, and hands out copies', async () => {
    await t.store.repo(todos).create(todoInput({ id: 'a' }));
    const selects: number[] = [];
    await t.store.transaction(async (tx) => {
      const r = tx.repo(todos);
      const start = counted!.count();
      const first = await r.read('a');
      first!.tags.push('mutated by the caller');
      await r.update('a', { title: 'one' });
      selects.push(counted!.count() - start);
      expect(await r.read('a')).toMatchObject({ title: 'one', tags: [] });
      await r.update('a', { done: true });
      selects.push(counted!.count() - start);
    });
    expect(selects).toEqual([0, 1]);
    expect(await t.store.repo(todos).read('a')).toMatchObject({ title: 'one', done: true, tags: [] });
  });

  it('serves a row as the last committed write left it, and never what a rolled-back one wrote', async () => {
    await t.store.repo(todos).create(todoInput({ id: 'a' }));
    await t.store.repo(todos).update('a', { title: 'outside' });
    await expect(
      t.store.transaction(async (tx) => {
        await tx.repo(todos).update('a', { title: 'rolled back' });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    const start = counted!.count();
    await t.store.transaction(async (tx) => {
      expect(await tx.repo(todos).read('a')).toMatchObject({ title: 'outside' });
    });
    expect(counted!.count() - start).toBe(0);
  });

  it('SELECTs a row it does not know: not read or written since the store opened', async () => {
    const dir = tempDir();
    const filename = `${dir.dir}/todos.db`;
    try {
      const first = await openStore({ filename });
      await first.store.repo(todos).create(todoInput({ id: 'a' }));
      await first.store.close();
      let reopenedCount: ReturnType<typeof countingDriver> | undefined;
      const reopened = await openStore({ filename, wrap: (d) => (reopenedCount = countingDriver(d, 'WHERE id = ?')).driver });
      const start = reopenedCount!.count();
      await reopened.store.transaction(async (tx) => {
        await tx.repo(todos).update('a', { title: 'x' });
      });
      expect(reopenedCount!.count() - start).toBe(1);
      await reopened.store.close();
    } finally {
      dir.cleanup();
    }
  });
});

