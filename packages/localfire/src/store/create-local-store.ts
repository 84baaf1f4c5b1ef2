/*
 * createLocalStore: opens (and migrates) the database, then serves repositories,
 * transactions, live queries and the sync engine's surface over one connection.
 *
 * Concurrency: one SQLite connection, so every operation runs under one mutex (mutex.ts),
 * where the app's operations go before waiting live-query re-runs, and those before the
 * sync engine's work. A store-level write is its own BEGIN IMMEDIATE transaction;
 * `transaction(fn)` holds the mutex for the whole of `fn`. Inside `fn`, use only
 * `tx.repo(...)`: a call on the store itself (including a nested `store.transaction`) waits
 * for `fn` to finish, so awaiting it inside `fn` would never return. Live queries re-run
 * after each COMMIT, never on rollback.
 */
import { LocalfireError, toLocalfireError } from '../errors.js';
import type { CollectionDef } from '../schema/collection.js';
import { createChangeRecorder } from './change-log.js';
import { createCommittedRows } from './row-cache.js';
import type { SqliteDriver } from './driver.js';
import { alreadyExists, isPrimaryKeyViolation, modelFor, rowKey, type OpContext, type OpScope, type StoreCore } from './context.js';
import { createSyncStore } from './create-sync-store.js';
import { createLiveQuery } from './live-query.js';
import { createLiveRegistry } from './live-registry.js';
import type { LocalStore, LocalStoreOptions } from './local-store.js';
import { migrate } from './migrations.js';
import { createMutex, type Lane } from './mutex.js';
import { createRepository } from './repository.js';
import { createTableModel, type TableModel } from './table-model.js';
import type { Repository, Transaction } from './types.js';

const defaultId = (): string => globalThis.crypto.randomUUID();

/**
 * Opens a local store. Throws `schema-too-new` (nothing touched) for a database written by
 * a newer localfire, `invalid-definition` for duplicate collections or a new required
 * field on a table that has rows. When opening fails the driver is left open for the
 * caller to close; once open, `store.close()` closes it.
 */
export async function createLocalStore(options: LocalStoreOptions): Promise<LocalStore> {
  const { driver } = options;
  const clock = options.clock ?? Date.now;
  const newId = options.newId ?? defaultId;
  const models = new Map<string, TableModel>();
  for (const def of options.collections) {
    if (models.has(def.name)) throw new LocalfireError('invalid-definition', `collection "${def.name}" is declared twice`);
    models.set(def.name, createTableModel(def));
  }
  await migrate(driver, [...models.values()]);

  const mutex = createMutex();
  const committedRows = createCommittedRows();
  const registry = createLiveRegistry();
  const outboxListeners = new Set<() => void>();
  const closeHooks = new Set<() => Promise<void> | void>();
  let closed = false;
  const assertStoreOpen = (): void => {
    if (closed) throw new LocalfireError('closed', 'the local store is closed');
  };
  const baseCtx: OpContext = { driver, clock, newId, changes: null, reads: null, assertOpen: assertStoreOpen };

  /** Runs `fn` in BEGIN IMMEDIATE … COMMIT under the mutex; publishes its changes after COMMIT. */
  const inWriteTransaction = <R>(fn: (ctx: OpContext) => Promise<R>, lane: Lane = 'app'): Promise<R> =>
    mutex.run(async () => {
      assertStoreOpen();
      const rows = committedRows.begin();
      const changes = createChangeRecorder((collection, id) => rows.changed(collection, id));
      let open = true;
      const created: { model: TableModel; id: string }[] = [];
      const ctx: OpContext = {
        driver,
        clock,
        newId,
        changes,
        reads: null,
        rows,
        created,
        assertOpen: () => {
          if (!open) throw new LocalfireError('closed', 'the transaction has ended');
        },
      };
      // Deferred where the driver can: BEGIN then travels with the transaction's first statement.
      if (driver.defer === undefined) {
        await driver.exec('BEGIN IMMEDIATE').catch((e: unknown) => {
          throw toLocalfireError(e);
        });
      } else driver.defer('BEGIN IMMEDIATE');
      let result: R;
      try {
        result = await fn(ctx);
        await driver.exec('COMMIT');
      } catch (e) {
        open = false;
        await rollback(driver);
        throw isPrimaryKeyViolation(e) ? await whichCreate(driver, created, e) : e;
      }
      open = false;
      rows.commit(changes.log);
      if (changes.log.size > 0) registry.publish(changes.log);
      if (changes.outboxChanged) {
        for (const listener of [...outboxListeners]) {
          try {
            listener();
          } catch (e) {
            console.error('localfire: an onOutboxChange listener threw', e);
          }
        }
      }
      return result;
    }, lane);

  const readIn = <R>(fn: (ctx: OpContext) => Promise<R>, lane: Lane = 'app'): Promise<R> =>
    mutex.run(() => {
      assertStoreOpen();
      return fn(baseCtx);
    }, lane);

  const storeScope: OpScope = { read: readIn, write: inWriteTransaction };
  /** Where live queries re-run: below the app's own operations in the mutex. */
  const liveScope: OpScope = { read: (fn) => readIn(fn, 'live'), write: inWriteTransaction };

  const core: StoreCore = { models, registry, scope: storeScope, model: (def) => modelFor(models, def) };

  const txScope = (ctx: OpContext): OpScope => ({
    read: async (fn) => {
      ctx.assertOpen();
      return fn(ctx);
    },
    write: async (fn) => {
      ctx.assertOpen();
      return fn(ctx);
    },
  });

  const makeTransaction = (ctx: OpContext): Transaction => {
    const scope = txScope(ctx);
    const repos = new Map<string, Repository<any>>();
    return {
      repo<T extends { id: string }>(def: CollectionDef<T>): Repository<T> {
        const model = core.model(def);
        let repo = repos.get(model.name);
        if (repo === undefined) {
          repo = createRepository({ model, scope, liveScope, registry });
          repos.set(model.name, repo);
        }
        return repo as Repository<T>;
      },
    };
  };

  const storeRepos = new Map<string, Repository<any>>();

  return {
    collections: options.collections,
    repo<T extends { id: string }>(def: CollectionDef<T>): Repository<T> {
      const model = core.model(def);
      let repo = storeRepos.get(model.name);
      if (repo === undefined) {
        repo = createRepository({ model, scope: storeScope, liveScope, registry });
        storeRepos.set(model.name, repo);
      }
      return repo as Repository<T>;
    },
    transaction: (fn) => inWriteTransaction((ctx) => fn(makeTransaction(ctx))),
    live: (read) =>
      createLiveQuery({
        registry,
        scope: liveScope,
        run: (ctx) => read(makeTransaction(ctx)),
        affectedBy: (log, reads) => [...log.keys()].some((name) => reads.has(name)),
      }),
    sync: createSyncStore({
      models,
      read: (fn) => readIn(fn, 'sync'),
      write: (fn) => inWriteTransaction(fn, 'sync'),
      clock,
      live: (run, affectedBy) => createLiveQuery({ registry, scope: liveScope, run, affectedBy }),
      onOutboxChange: (listener) => {
        outboxListeners.add(listener);
        return () => {
          outboxListeners.delete(listener);
        };
      },
    }),
    onClose(hook) {
      closeHooks.add(hook);
      return () => {
        closeHooks.delete(hook);
      };
    },
    async close() {
      if (closed) return;
      await Promise.allSettled([...closeHooks].map(async (hook) => hook()));
      await mutex.run(async () => {
        if (closed) return;
        closed = true;
        committedRows.clear();
        registry.stopAll();
        await driver.close();
      });
    },
  };
}

/**
 * The create a rolled-back transaction's primary-key refusal belongs to (a deferred INSERT
 * fails with a later statement, so the error alone does not say which): the first of the
 * transaction's creates whose id is taken now that its own rows are gone, or that it created
 * twice. Anything else is not a create's refusal and is returned as it is.
 */
async function whichCreate(driver: SqliteDriver, created: readonly { readonly model: TableModel; readonly id: string }[], error: unknown): Promise<unknown> {
  const seen = new Set<string>();
  for (const { model, id } of created) {
    const key = rowKey(model.name, id);
    const taken = seen.has(key) || (await driver.all(`SELECT 1 FROM ${model.table} WHERE id = ?`, [id]).catch(() => [])).length > 0;
    if (taken) return alreadyExists(model, id, error);
    seen.add(key);
  }
  return error;
}

/**
 * ROLLBACK, never rejecting. A deferred write that failed makes the next call reject without
 * running (see `SqliteDriver.defer`): when that call is this ROLLBACK (the transaction failed
 * for another reason first), it is sent again. A second failure means no transaction is open.
 */
async function rollback(driver: SqliteDriver): Promise<void> {
  try {
    await driver.exec('ROLLBACK');
  } catch {
    await driver.exec('ROLLBACK').catch(() => undefined);
  }
}
