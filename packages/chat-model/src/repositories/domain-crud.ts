import { mapLive } from './map-live.js';
import type { CollectionDef, CreateInput, LiveQuery, LocalStore, Patch, Repository, Stored } from 'localfire';

/**
 * The spec's generic repository, in domain objects: every chat repository has it. Live
 * queries re-run only for changes to rows they may hold (the store's row-level filters). Writes
 * go through the collection's generic repository (validated; row and outbox entry in one
 * transaction); `repo` is that repository, for typed queries beyond the domain methods.
 */
export interface DomainRepository<D, E extends { id: string }> {
  readonly repo: Repository<E>;
  /** Every live (non-deleted) entity, live. */
  observe(): LiveQuery<D[]>;
  /** One entity, live; `undefined` while it does not exist. */
  observe(id: string): LiveQuery<D | undefined>;
  /** Throws `validation` (nothing written) or `conflict` if the id exists. */
  create(input: CreateInput<E>): Promise<D>;
  read(id: string): Promise<D | undefined>;
  readAll(): Promise<D[]>;
  /** Throws `not-found`, `validation`, or `precondition` when an immutable field would change. */
  update(id: string, patch: Patch<E>): Promise<D>;
  /** Tombstones the entity; the delete syncs like any write. */
  delete(id: string): Promise<void>;
}

export function createDomainCrud<D, E extends { id: string }>(
  store: LocalStore,
  collection: CollectionDef<E>,
  toDomain: (row: Stored<E>) => D,
): DomainRepository<D, E> {
  const repo = store.repo(collection);
  function observe(): LiveQuery<D[]>;
  function observe(id: string): LiveQuery<D | undefined>;
  function observe(id?: string): LiveQuery<D[]> | LiveQuery<D | undefined> {
    if (id === undefined) return mapLive(repo.observe(), (rows) => rows.map(toDomain));
    return mapLive(repo.observe(id), (row) => (row === undefined ? undefined : toDomain(row)));
  }
  return {
    repo,
    observe,
    create: async (input) => toDomain(await repo.create(input)),
    read: async (id) => {
      const row = await repo.read(id);
      return row === undefined ? undefined : toDomain(row);
    },
    readAll: async () => (await repo.readAll()).map(toDomain),
    update: async (id, patch) => toDomain(await repo.update(id, patch)),
    delete: (id) => repo.delete(id),
  };
}
