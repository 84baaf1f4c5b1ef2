import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createLocalStore, defineCollection, field } from '../../src/index.js';
import { createNodeSqliteDriver } from '../../src/adapters/node-sqlite/index.js';
import type { RawRow, RemoteDoc } from '../../src/index.js';
import { resolveRemote, shouldPurgeOnRemoval, unionSorted } from '../../src/sync/resolve.js';

// Every merge policy in one collection.
const things = defineCollection({
  name: 'things',
  path: 'things/{id}',
  schema: z.object({
    id: z.string(),
    name: z.string(),
    presence: z.string(),
    tags: z.array(z.string()),
    owner: z.string(),
    note: z.string().optional(),
  }),
  fields: {
    name: field.string(),
    presence: field.string({ merge: 'server' }),
    tags: field.set(),
    owner: field.string({ merge: 'immutable' }),
    note: field.string({ optional: true }),
  },
});

const ID = 't1';
/** A remote version; its `updatedAt` equals its version unless given. */
const doc = (version: number, data: Record<string, unknown>, deleted = false, updatedAt = version): RemoteDoc => ({
  collection: 'things',
  id: ID,
  path: `things/${ID}`,
  data: { owner: 'o', ...data },
  serverTime: updatedAt,
  version,
  deleted,
});
const synced = (serverTime: number, data: Record<string, unknown>, deleted = false): RawRow => ({
  id: ID,
  data: { owner: 'o', ...data },
  syncStatus: 'synced',
  serverTime,
  deleted,
});

function applyAll(start: RawRow | undefined, pending: ReadonlySet<string>, docs: readonly RemoteDoc[]): RawRow | undefined {
  let row = start;
  for (const remote of docs) {
    const r = resolveRemote({ def: things, local: row, pendingFields: pending, remote }).row;
    row = { id: r.id, data: r.data, syncStatus: r.syncStatus, serverTime: r.serverTime, deleted: r.deleted };
  }
  return row;
}

// Remote versions of one document: distinct versions (commit times: the server assigns them); the
// immutable owner changes too (server code may edit it). `updatedAt` is drawn on its own: it is
// stamped when a write starts, so a later version may carry an older one.
const letters = fc.constantFrom('a', 'b', 'c', 'd', 'e');
const versionsArb = fc
  .uniqueArray(fc.integer({ min: 1, max: 1_000_000 }), { minLength: 1, maxLength: 6 })
  .chain((times) =>
    fc.tuple(
      ...times.map((t) =>
        fc.record({
          name: fc.string({ maxLength: 4 }),
          owner: letters,
          presence: fc.constantFrom('online', 'away', 'offline'),
          tags: fc.uniqueArray(letters, { maxLength: 4 }),
          note: fc.option(fc.string({ maxLength: 3 }), { nil: undefined }),
          deleted: fc.boolean(),
          updatedAt: fc.integer({ min: 1, max: 1_000_000 }),
        }).map(({ deleted, note, updatedAt, ...rest }) => doc(t, note === undefined ? rest : { ...rest, note }, deleted, updatedAt)),
      ),
    ),
  );
/** A delivery order of the versions: a permutation, with some delivered more than once. */
const deliveriesArb = (versions: readonly RemoteDoc[]) =>
  fc.tuple(fc.shuffledSubarray([...versions], { minLength: versions.length, maxLength: versions.length }), fc.array(fc.constantFrom(...versions), { maxLength: 4 }), fc.nat())
    .map(([perm, dups, at]) => {
      const out = [...perm];
      for (const d of dups) out.splice(at % (out.length + 1), 0, d);
      return out;
    });
const pendingArb = fc.subarray(['name', 'presence', 'tags', 'owner', 'note']).map((a) => new Set(a));
const localEditArb = fc.record({ name: fc.string({ maxLength: 4 }), presence: fc.constant('mine'), tags: fc.uniqueArray(letters, { maxLength: 3 }), note: fc.constant('local') });
const newest = (versions: readonly RemoteDoc[]) => versions.reduce((a, b) => (b.version > a.version ? b : a));

describe('resolveRemote: properties', () => {
  it('with no pending edit, any order and duplication of deliveries ends exactly equal to the newest server document (by version, whatever its updatedAt)', () => {
    fc.assert(
      fc.property(versionsArb.chain((v) => fc.tuple(fc.constant(v), deliveriesArb(v), deliveriesArb(v))), ([versions, order1, order2]) => {
        const a = applyAll(undefined, new Set(), order1);
        const b = applyAll(undefined, new Set(), order2);
        const top = newest(versions);
        expect(a).toEqual(b);
        expect(a).toEqual({ id: ID, data: top.data, syncStatus: 'synced', serverTime: top.version, deleted: top.deleted });
      }),
    );
  });

  it('with pending local edits, any interleaving of the same remote changes converges to the same row', () => {
    fc.assert(
      fc.property(versionsArb.chain((v) => fc.tuple(fc.constant(v), deliveriesArb(v), deliveriesArb(v), pendingArb, localEditArb, fc.boolean())), ([_v, order1, order2, pending, edit, known]) => {
        const local: RawRow = { id: ID, data: { owner: 'o', ...edit }, syncStatus: 'pending', serverTime: known ? 0 : null, deleted: false };
        expect(applyAll(local, pending, order1)).toEqual(applyAll(local, pending, order2));
      }),
    );
  });

  it('a pending lww edit never flickers back to a server value, whatever arrives', () => {
    fc.assert(
      fc.property(versionsArb.chain((v) => fc.tuple(deliveriesArb(v), localEditArb)), ([order, edit]) => {
        let row: RawRow | undefined = { id: ID, data: { owner: 'o', ...edit }, syncStatus: 'pending', serverTime: null, deleted: false };
        for (const remote of order) {
          row = applyAll(row, new Set(['name', 'tags']), [remote]);
          expect(row?.data['name']).toBe(edit.name);
          expect(row?.deleted).toBe(false);
          expect(row?.syncStatus).toBe('pending');
          for (const t of edit.tags) expect(row?.data['tags']).toContain(t);
          for (const t of remote.data['tags'] as string[]) expect(row?.data['tags']).toContain(t);
        }
      }),
    );
  });

  it('is idempotent: resolving the same remote document again changes nothing', () => {
    fc.assert(
      fc.property(versionsArb, pendingArb, localEditArb, fc.boolean(), (versions, somePending, edit, hasLocal) => {
        const pending = hasLocal ? somePending : new Set<string>();
        const local: RawRow | undefined = hasLocal ? { id: ID, data: { owner: 'o', ...edit }, syncStatus: pending.size > 0 ? 'pending' : 'synced', serverTime: 500_000, deleted: false } : undefined;
        for (const remote of versions) {
          const once = resolveRemote({ def: things, local, pendingFields: pending, remote });
          const again = resolveRemote({ def: things, local: { ...once.row }, pendingFields: pending, remote });
          expect(again.row).toEqual(once.row);
          expect(again.changed).toBe(false);
        }
      }),
    );
  });
});

describe('resolveRemote: echoes', () => {
  it('a document equal to the row as the store reads it (its data carries the id too) changes nothing', async () => {
    const store = await createLocalStore({ driver: createNodeSqliteDriver({ filename: ':memory:' }), collections: [things] });
    try {
      const remote = doc(100, { name: 'n', presence: 'p', tags: ['a'] });
      await store.sync.transaction((tx) => tx.writeRow('things', resolveRemote({ def: things, local: undefined, pendingFields: new Set(), remote }).row));
      const stored = await store.sync.transaction((tx) => tx.readRow('things', ID));
      expect(stored?.data).toHaveProperty('id', ID);
      const echo = resolveRemote({ def: things, local: stored, pendingFields: new Set(), remote });
      expect(echo.changed).toBe(false);
      expect(resolveRemote({ def: things, local: stored, pendingFields: new Set(), remote: doc(101, { name: 'n', presence: 'p', tags: ['a'] }) }).changed).toBe(true);
      expect(resolveRemote({ def: things, local: stored, pendingFields: new Set(), remote: doc(100, { name: 'm', presence: 'p', tags: ['a'] }) }).changed).toBe(true);
    } finally {
      await store.close();
    }
  });
});

describe('resolveRemote: policies', () => {
  it('lww: newer server time wins, an older snapshot is ignored, a tie goes to the remote', () => {
    const local = synced(100, { name: 'local', presence: 'p', tags: [] });
    const newer = resolveRemote({ def: things, local, pendingFields: new Set(), remote: doc(200, { name: 'remote', presence: 'p', tags: [] }) });
    expect(newer.row.data['name']).toBe('remote');
    expect(newer.row.serverTime).toBe(200);
    const older = resolveRemote({ def: things, local, pendingFields: new Set(), remote: doc(50, { name: 'old', presence: 'p', tags: [] }) });
    expect(older.row.data['name']).toBe('local');
    expect(older.changed).toBe(false);
    const tie = resolveRemote({ def: things, local, pendingFields: new Set(), remote: doc(100, { name: 'tie', presence: 'p', tags: [] }) });
    expect(tie.row.data['name']).toBe('tie');
  });

  it('versions are ordered by commit time, not updatedAt: a write that started first but committed last wins', () => {
    // Ours committed at 300 (stamped 290); theirs was stamped at 250 but committed at 320, after ours.
    const local = synced(300, { name: 'ours', presence: 'p', tags: [] });
    const theirs = resolveRemote({ def: things, local, pendingFields: new Set(), remote: doc(320, { name: 'theirs', presence: 'p', tags: [] }, false, 250) });
    expect(theirs.row).toMatchObject({ data: { name: 'theirs' }, serverTime: 320 });
    // And the reverse: a version older than the row's is ignored, however new its updatedAt.
    const stale = resolveRemote({ def: things, local, pendingFields: new Set(), remote: doc(280, { name: 'stale', presence: 'p', tags: [] }, false, 310) });
    expect(stale.changed).toBe(false);
  });

  it('lww: a pending local edit wins and is reported as a conflict', () => {
    const local: RawRow = { ...synced(100, { name: 'mine', presence: 'p', tags: [] }), syncStatus: 'pending' };
    const r = resolveRemote({ def: things, local, pendingFields: new Set(['name']), remote: doc(200, { name: 'theirs', presence: 'q', tags: [] }) });
    expect(r.row.data['name']).toBe('mine');
    expect(r.row.data['presence']).toBe('q');
    expect(r.row.syncStatus).toBe('pending');
    expect(r.conflicts).toEqual([{ collection: 'things', id: ID, field: 'name', policy: 'lww', resolution: 'kept-local' }]);
  });

  it('server: the newest server value wins even over a pending local edit', () => {
    const local: RawRow = { ...synced(100, { name: 'n', presence: 'mine', tags: [] }), syncStatus: 'pending' };
    const r = resolveRemote({ def: things, local, pendingFields: new Set(['presence']), remote: doc(200, { name: 'n', presence: 'online', tags: [] }) });
    expect(r.row.data['presence']).toBe('online');
    expect(r.conflicts[0]?.resolution).toBe('took-remote');
  });

  it('union: a pending set merges as a sorted union; without pending edits the server list is taken as is', () => {
    const local: RawRow = { ...synced(100, { name: 'n', presence: 'p', tags: ['z', 'a'] }), syncStatus: 'pending' };
    const r = resolveRemote({ def: things, local, pendingFields: new Set(['tags']), remote: doc(200, { name: 'n', presence: 'p', tags: ['m', 'a'] }) });
    expect(r.row.data['tags']).toEqual(['a', 'm', 'z']);
    const plain = resolveRemote({ def: things, local: synced(100, { name: 'n', presence: 'p', tags: ['z'] }), pendingFields: new Set(), remote: doc(200, { name: 'n', presence: 'p', tags: ['m', 'a'] }) });
    expect(plain.row.data['tags']).toEqual(['m', 'a']);
    expect(unionSorted(['b', 'a'], ['c', 'b'])).toEqual(['a', 'b', 'c']);
  });

  it('union: a pending replacement (a removal, pushed as set) keeps the local value, like lww', () => {
    const local: RawRow = { ...synced(100, { name: 'n', presence: 'p', tags: ['keep'] }), syncStatus: 'pending' };
    const r = resolveRemote({ def: things, local, pendingFields: new Set(['tags']), replacedFields: new Set(['tags']), remote: doc(200, { name: 'n', presence: 'p', tags: ['keep', 'drop'] }) });
    expect(r.row.data['tags']).toEqual(['keep']);
    expect(r.conflicts[0]).toMatchObject({ field: 'tags', policy: 'union', resolution: 'kept-local' });
  });

  it('immutable: a server edit (newer version) is applied, an older snapshot never undoes it', () => {
    const local = synced(100, { name: 'n', presence: 'p', tags: [], owner: 'first' });
    const r = resolveRemote({ def: things, local, pendingFields: new Set(), remote: doc(200, { name: 'n', presence: 'p', tags: [], owner: 'redacted' }) });
    expect(r.row.data['owner']).toBe('redacted');
    expect(r.changed).toBe(true);
    expect(r.conflicts).toEqual([]);
    const stale = resolveRemote({ def: things, local: { ...local, data: r.row.data, serverTime: 200 }, pendingFields: new Set(), remote: doc(150, { name: 'n', presence: 'p', tags: [], owner: 'first' }) });
    expect(stale.row.data['owner']).toBe('redacted');
  });

  it('immutable: applied while other local edits are pending; a pending first value is kept until acknowledged', () => {
    const editing: RawRow = { ...synced(100, { name: 'mine', presence: 'p', tags: [], owner: 'first' }), syncStatus: 'pending' };
    const r = resolveRemote({ def: things, local: editing, pendingFields: new Set(['name']), remote: doc(200, { name: 'n', presence: 'p', tags: [], owner: 'fixed' }) });
    expect(r.row.data).toMatchObject({ owner: 'fixed', name: 'mine' });
    const creating: RawRow = { id: ID, data: { name: 'n', presence: 'p', tags: [], owner: 'mine' }, syncStatus: 'pending', serverTime: null, deleted: false };
    const before = resolveRemote({ def: things, local: creating, pendingFields: new Set(['owner', 'name']), remote: doc(200, { name: 'n', presence: 'p', tags: [], owner: 'other' }) });
    expect(before.row.data['owner']).toBe('mine');
  });

  it('an absent optional field clears the local value when the server is newer', () => {
    const local = synced(100, { name: 'n', presence: 'p', tags: [], note: 'x' });
    const r = resolveRemote({ def: things, local, pendingFields: new Set(), remote: doc(200, { name: 'n', presence: 'p', tags: [] }) });
    expect('note' in r.row.data).toBe(false);
  });

  it('tombstones: a newer remote delete tombstones the row, unless a local edit is pending', () => {
    const local = synced(100, { name: 'n', presence: 'p', tags: [] });
    expect(resolveRemote({ def: things, local, pendingFields: new Set(), remote: doc(200, { name: 'n', presence: 'p', tags: [] }, true) }).row.deleted).toBe(true);
    const editing: RawRow = { ...local, syncStatus: 'pending' };
    expect(resolveRemote({ def: things, local: editing, pendingFields: new Set(['name']), remote: doc(200, { name: 'n', presence: 'p', tags: [] }, true) }).row.deleted).toBe(false);
    const deleting: RawRow = { ...local, deleted: true, syncStatus: 'pending' };
    expect(resolveRemote({ def: things, local: deleting, pendingFields: new Set(), remote: doc(200, { name: 'n', presence: 'p', tags: [] }) }).row.deleted).toBe(true);
    const stale = synced(300, { name: 'n', presence: 'p', tags: [] }, true);
    expect(resolveRemote({ def: things, local: stale, pendingFields: new Set(), remote: doc(200, { name: 'n', presence: 'p', tags: [] }) }).row.deleted).toBe(true);
  });

  it('a tombstone missing required fields keeps the local values of those fields', () => {
    const local = synced(100, { name: 'n', presence: 'p', tags: ['t'] });
    const r = resolveRemote({ def: things, local, pendingFields: new Set(), remote: { ...doc(200, {}, true), data: { presence: 'gone' } } });
    expect(r.row).toMatchObject({ deleted: true, data: { name: 'n', owner: 'o', tags: ['t'], presence: 'gone' } });
  });

  it('a failed local write keeps its value and its failed status', () => {
    const local: RawRow = { ...synced(100, { name: 'mine', presence: 'p', tags: [] }), syncStatus: 'failed' };
    const r = resolveRemote({ def: things, local, pendingFields: new Set(['name']), remote: doc(200, { name: 'theirs', presence: 'p', tags: [] }) });
    expect(r.row.data['name']).toBe('mine');
    expect(r.row.syncStatus).toBe('failed');
  });

  it('removed: purge unless a local change is pending', () => {
    expect(shouldPurgeOnRemoval(synced(1, {}), new Set())).toBe(true);
    expect(shouldPurgeOnRemoval({ ...synced(1, {}), syncStatus: 'pending' }, new Set(['name']))).toBe(false);
    expect(shouldPurgeOnRemoval(undefined, new Set())).toBe(false);
  });
});
