import { checkFieldLimits, LocalfireError } from 'localfire';
import { mapLive } from './map-live.js';
import type { CollectionDef, CreateInput, LiveQuery, LocalStore, Patch, Repository, Stored } from 'localfire';

/**
 * The spec's generic repository, in domain objects: every chat repository has it. Live
 * queries re-run only for changes to rows they may hold (the store's row-level filters). Writes
 * go through the collection's generic repository (validated; row and outbox entry in one
 * transaction) after the domain's checks: the fields' limits (`validation`) and the write
 * guards mirroring the security rules (`precondition`), so a write the rules would refuse is
 * refused here and writes nothing. `repo` is that generic repository, for typed queries beyond
 * the domain methods: its writes skip the domain's checks.
 */
export interface DomainRepository<D, E extends { id: string }> {
  readonly repo: Repository<E>;
  /** Every live (non-deleted) entity, live. */
  observe(): LiveQuery<D[]>;
  /** One entity, live; `undefined` while it does not exist. */
  observe(id: string): LiveQuery<D | undefined>;
  /** Throws `validation` (nothing written), `precondition` (the rules would refuse it) or `conflict` if the id exists. */
  create(input: CreateInput<E>): Promise<D>;
  read(id: string): Promise<D | undefined>;
  readAll(): Promise<D[]>;
  /** Throws `not-found`, `validation`, or `precondition` when an immutable field would change or the rules would refuse it. */
  update(id: string, patch: Patch<E>): Promise<D>;
  /** Tombstones the entity; the delete syncs like any write. Throws `precondition` when the rules would refuse it. */
  delete(id: string): Promise<void>;
}

/** The domain's checks of each write, beyond the fields' limits (each throws to refuse). */
export interface WriteGuards<E extends { id: string }> {
  create?(entity: E): void;
  update?(before: E, after: E): void;
  delete?(entity: E): void;
}

export function createDomainCrud<D, E extends { id: string }>(
  store: LocalStore,
  collection: CollectionDef<E>,
  toDomain: (row: Stored<E>) => D,
  guards: WriteGuards<E> = {},
): DomainRepository<D, E> {
  const repo = store.repo(collection);
  function observe(): LiveQuery<D[]>;
  function observe(id: string): LiveQuery<D | undefined>;
  function observe(id?: string): LiveQuery<D[]> | LiveQuery<D | undefined> {
    if (id === undefined) return mapLive(repo.observe(), (rows) => rows.map(toDomain));
    return mapLive(repo.observe(id), (row) => (row === undefined ? undefined : toDomain(row)));
  }
  const entityOf = (row: Stored<E>): E => {
    const { $meta: _meta, ...fields } = row;
    return fields as unknown as E;
  };
  return {
    repo,
    observe,
    create: async (input) => {
      checkFieldLimits(collection, input);
      if (guards.create !== undefined) {
        if (input.id === undefined) throw new LocalfireError('validation', `${collection.name}: give the id of a new entity`);
        guards.create(input as unknown as E);
      }
      return toDomain(await repo.create(input));
    },
    read: async (id) => {
      const row = await repo.read(id);
      return row === undefined ? undefined : toDomain(row);
    },
    readAll: async () => (await repo.readAll()).map(toDomain),
    update: async (id, patch) => {
      checkFieldLimits(collection, patch);
      return store.transaction(async (tx) => {
        const r = tx.repo(collection);
        const before = await r.read(id);
        if (before !== undefined && guards.update !== undefined) {
          const after = { ...entityOf(before) } as Record<string, unknown>;
          for (const [k, v] of Object.entries(patch)) {
            if (v === undefined) delete after[k];
            else after[k] = v;
          }
          guards.update(entityOf(before), after as E);
        }
        return toDomain(await r.update(id, patch));
      });
    },
    delete: async (id) => {
      await store.transaction(async (tx) => {
        const r = tx.repo(collection);
        const row = await r.read(id);
        if (row !== undefined) guards.delete?.(entityOf(row));
        await r.delete(id);
      });
    },
  };
}
