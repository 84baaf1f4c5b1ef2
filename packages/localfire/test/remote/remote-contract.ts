/*
 * The contract every RemotePort implementation passes: the in-memory remote and the
 * Firestore adapter (over the emulator) run this same suite. Deliveries are awaited by
 * polling with a generous deadline (never a speed assertion); "nothing else arrived" is
 * checked by writing a sentinel document afterwards and waiting for it, since a
 * subscription delivers in server-time order.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalfireError, documentPath } from '../../src/index.js';
import type { Checkpoint, FieldChange, RemoteChange, RemoteDoc, RemotePort, RemoteScope, RemoteWrite, Subscription, WriteAck } from '../../src/index.js';
import { todos } from '../fixtures/todo.js';
import { until as waitUntil } from '../../../../test-support/until.js';

export interface RemoteContractHarness {
  /** A fresh, empty backend for one test (isolated: own data). */
  setup(): Promise<RemoteTestBackend>;
  /**
   * How long a test waits for a delivery. Default 10 s. The emulator now and then leaves a new
   * listener silent until the adapter's stall watchdog has reopened it more than once.
   */
  readonly deliveryDeadlineMs?: number;
}

export interface RemoteTestBackend {
  /** A client signed in as userId (null: signed out). */
  connect(userId: string | null): Promise<RemotePort>;
  setOnline(client: RemotePort, online: boolean): Promise<void>;
  /**
   * Writes a raw, possibly malformed document, bypassing validation and rules. The document
   * gets `updatedAt` = the server time (so subscriptions see it) unless `data` has one; a
   * `Date` there is a literal `updatedAt` (server code writing `updatedAt: new Date(...)`).
   */
  writeRaw(path: string, data: Record<string, unknown>): Promise<void>;
  /**
   * Server code's batches (rules bypassed, like Admin SDK batches: an import, a backfill),
   * started one after another in the order given, so stamped (`updatedAt`) in that order,
   * without waiting for each other; resolves with each batch's acks once all committed. The
   * commit order is the backend's: the in-memory one commits them in reverse (the first
   * stamped commits last, each a macrotask after the previous) and runs `whileFirstPending`
   * just before the first commits; the emulator commits them concurrently in whatever order
   * it picks (a big batch started first tends to commit after smaller ones) and runs
   * `whileFirstPending` once every other batch committed, the first one maybe not yet.
   */
  writeConcurrently(batches: readonly (readonly RemoteWrite[])[], options?: { readonly whileFirstPending?: () => Promise<void> }): Promise<WriteAck[][]>;
  /** From now on every access under this collection path prefix is denied. */
  deny(pathPrefix: string): Promise<void>;
  teardown(): Promise<void>;
}

const DEADLINE_MS = 10_000;
/** This file's deadline for one wait: the harness's `deliveryDeadlineMs` (set by describeRemoteContract). */
let deadlineMs = DEADLINE_MS;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const until = (condition: () => boolean, what: string, describe?: () => string) =>
  waitUntil(condition, what, { timeoutMs: deadlineMs, intervalMs: 5, ...(describe === undefined ? {} : { describe }) });

const set = (value: unknown): FieldChange => ({ op: 'set', value });

let mutations = 0;
const todoPath = (listId: string, id: string) => documentPath(todos, { listId, id });

function setTodo(listId: string, id: string, fields: Record<string, FieldChange>): RemoteWrite {
  return { mutationId: `m${++mutations}`, collection: 'todos', id, path: todoPath(listId, id), op: 'set', fields };
}

function createTodo(listId: string, id: string, overrides: Record<string, unknown> = {}): RemoteWrite {
  const values: Record<string, unknown> = { listId, title: `todo ${id}`, done: false, position: 1, tags: [], ...overrides };
  return setTodo(listId, id, Object.fromEntries(Object.entries(values).map(([k, v]) => [k, set(v)])));
}

function deleteTodo(listId: string, id: string): RemoteWrite {
  return { mutationId: `m${++mutations}`, collection: 'todos', id, path: todoPath(listId, id), op: 'delete', fields: {} };
}

const inList = (listId: string, filters?: RemoteScope['filters']): RemoteScope => (filters ? { collection: 'todos', parents: { listId }, filters } : { collection: 'todos', parents: { listId } });

interface Watch {
  readonly changes: RemoteChange[];
  readonly batches: { readonly changes: readonly RemoteChange[]; readonly checkpoint: Checkpoint | null }[];
  readonly errors: LocalfireError[];
  readonly subscription: Subscription;
  /** Ids of the changes received, in order. */
  ids(): string[];
  /** Waits until a change of this id (and type, if given) arrived. */
  waitFor(id: string, type?: RemoteChange['type']): Promise<RemoteChange>;
  /** Waits until a change of each of these ids arrived. */
  waitForAll(ids: readonly string[]): Promise<void>;
  lastCheckpoint(): Checkpoint | null;
}

function watch(client: RemotePort, scope: RemoteScope, from: Checkpoint | null = null): Watch {
  const changes: RemoteChange[] = [];
  const batches: Watch['batches'] = [];
  const errors: LocalfireError[] = [];
  const idOf = docOrId;
  const subscription = client.subscribe(scope, from, {
    onChanges(batch, checkpoint) {
      batches.push({ changes: [...batch], checkpoint });
      changes.push(...batch);
    },
    onError(error) {
      errors.push(error);
    },
  });
  return {
    changes,
    batches,
    errors,
    subscription,
    ids: () => changes.map(idOf),
    async waitFor(id, type) {
      const find = () => changes.find((c) => idOf(c) === id && (type === undefined || c.type === type));
      await until(() => find() !== undefined, `${type ?? 'a change'} of ${id}`, () => `seen: ${JSON.stringify(changes.map((c) => `${c.type}:${idOf(c)}`))}; errors: ${errors.map((e) => e.kind).join(', ') || 'none'}`);
      return find()!;
    },
    async waitForAll(wanted) {
      const missing = () => {
        const seen = new Set(changes.map(idOf));
        return wanted.filter((id) => !seen.has(id));
      };
      await until(() => missing().length === 0, `changes of ${wanted.length} documents`, () => `missing ${missing().length}: ${missing().slice(0, 10).join(', ')}...; errors: ${errors.map((e) => e.kind).join(', ') || 'none'}`);
    },
    lastCheckpoint: () => batches.at(-1)?.checkpoint ?? null,
  };
}

/** The size of the batch committed late in the late-commit cases: big, so the emulator takes long to commit it. */
const LATE_BATCH_SIZE = 300;
/** Issue 18's import: 4 concurrent batches of 500. */
const BURST_BATCHES = 4;
const BURST_BATCH_SIZE = 500;

function batchOfTodos(listId: string, prefix: string, size: number): RemoteWrite[] {
  return Array.from({ length: size }, (_, i) => createTodo(listId, `${prefix}${String(i).padStart(3, '0')}`));
}

/**
 * Every written document was delivered at its acknowledged version, and no document at any
 * version more than once.
 */
function expectOncePerVersion(changes: readonly RemoteChange[], written: readonly { readonly id: string }[], acks: readonly WriteAck[]): void {
  const deliveries = new Map<string, number>();
  for (const change of changes) {
    if (!('doc' in change)) throw new Error(`unexpected ${change.type} of ${change.id}`);
    const key = `${change.doc.id}@${change.doc.version}`;
    deliveries.set(key, (deliveries.get(key) ?? 0) + 1);
  }
  const repeated = [...deliveries].filter(([, n]) => n > 1).map(([key, n]) => `${key} x${n}`);
  expect(repeated, 'documents delivered more than once at one version').toEqual([]);
  const missing = written.map((w, i) => `${w.id}@${acks[i]?.version}`).filter((key) => !deliveries.has(key));
  expect(missing, 'documents never delivered at their acknowledged version').toEqual([]);
}

/** A checkpoint's position in the delivery order (without the optional version). */
const position = (cp: Checkpoint | null | undefined) => (cp ? { serverTime: cp.serverTime, id: cp.id } : cp);

function docOf(change: RemoteChange | undefined): RemoteDoc {
  if (!change || !('doc' in change)) throw new Error(`expected a document change, got ${change?.type}`);
  return change.doc;
}

async function rejection(promise: Promise<unknown>): Promise<LocalfireError> {
  const outcome = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(outcome instanceof LocalfireError)) throw new Error(`expected a LocalfireError rejection, got ${String(outcome)}`);
  return outcome;
}

export function describeRemoteContract(name: string, harness: RemoteContractHarness): void {
  deadlineMs = harness.deliveryDeadlineMs ?? DEADLINE_MS;
  describe(`remote contract: ${name}`, { timeout: 2 * deadlineMs + 10_000 }, () => {
    let backend: RemoteTestBackend;
    let clients: RemotePort[];
    const connect = async (userId: string | null = 'alice') => {
      const client = await backend.connect(userId);
      clients.push(client);
      return client;
    };

    beforeEach(async () => {
      clients = [];
      backend = await harness.setup();
    });
    afterEach(async () => {
      await Promise.all(clients.map((c) => c.close()));
      await backend.teardown();
    });

    it('delivers a write to a second client, decoded, with the acknowledged version', async () => {
      const [a, b] = [await connect('alice'), await connect('bob')];
      const dueAt = new Date('2024-05-06T07:08:09.123Z');
      const acks = await a.write([createTodo('l1', 't1', { dueAt, tags: ['x', 'y'], notes: { n: 1, nested: { ok: true } } })]);
      expect(acks).toEqual([{ path: 'lists/l1/todos/t1', version: expect.any(Number) as number }]);
      const seen = watch(b, inList('l1'));
      const doc = docOf(await seen.waitFor('t1'));
      expect(doc).toMatchObject({ collection: 'todos', id: 't1', path: 'lists/l1/todos/t1', deleted: false, version: acks[0]!.version });
      expect(doc.data).toEqual({ listId: 'l1', title: 'todo t1', done: false, position: 1, tags: ['x', 'y'], dueAt, notes: { n: 1, nested: { ok: true } } });
      expect(doc.data['dueAt']).toBeInstanceOf(Date);
      expect(doc.data).not.toHaveProperty('id');

      const [ack2] = await a.write([createTodo('l1', 't2')]);
      const doc2 = docOf(await seen.waitFor('t2', 'added'));
      expect(doc2.version).toBe(ack2!.version);
      expect(doc2.data).not.toHaveProperty('dueAt');
      expect(doc2.data).not.toHaveProperty('notes');
      expect(position(seen.lastCheckpoint())).toEqual({ serverTime: doc2.serverTime, id: 't2' });
      expect(seen.lastCheckpoint()?.version ?? doc2.version).toBeGreaterThanOrEqual(doc2.version);
      // updatedAt is stamped when the write starts, the version when it commits: never later.
      expect(doc2.serverTime).toBeLessThanOrEqual(doc2.version);
      expect(seen.errors).toEqual([]);
    });

    it('acknowledges in order with growing versions, one version per batch', async () => {
      const [a, b] = [await connect('alice'), await connect('bob')];
      const [w1] = await a.write([createTodo('l1', 'm1')]);
      const [w2] = await b.write([createTodo('l1', 'm2')]);
      const batch = await a.write([createTodo('l1', 'm4'), createTodo('l1', 'm3')]);
      expect(batch.map((x) => x.path)).toEqual(['lists/l1/todos/m4', 'lists/l1/todos/m3']);
      expect(w2!.version).toBeGreaterThan(w1!.version);
      expect(batch[0]!.version).toBeGreaterThan(w2!.version);
      expect(batch[1]!.version).toBe(batch[0]!.version);
      expect(Number.isInteger(w1!.version)).toBe(true);
    });

    it('replaying the same batch leaves the same documents', async () => {
      const [a, b] = [await connect('alice'), await connect('bob')];
      const r2 = createTodo('l1', 'r2');
      const writes: RemoteWrite[] = [createTodo('l1', 'r1', { tags: ['a'] }), { ...r2, fields: { ...r2.fields, tags: { op: 'union', values: ['u'] } } }];
      const first = await a.write(writes);
      const second = await a.write(writes);
      expect(second[0]!.version).toBeGreaterThan(first[0]!.version);
      const seen = watch(b, inList('l1'));
      await a.write([createTodo('l1', 'sentinel')]);
      await seen.waitFor('sentinel');
      expect(seen.ids()).toEqual(['r1', 'r2', 'sentinel']);
      expect(docOf(seen.changes[0]).data).toMatchObject({ title: 'todo r1', tags: ['a'] });
      expect(docOf(seen.changes[1]).data).toMatchObject({ title: 'todo r2', tags: ['u'] });
      expect(docOf(seen.changes[1]).version).toBe(second[1]!.version);
    });

    it('unions merge concurrent additions without duplicates', async () => {
      const [a, b, c] = [await connect('alice'), await connect('bob'), await connect('carol')];
      await a.write([createTodo('l1', 'u1', { tags: ['a'] })]);
      const union = (values: string[]) => setTodo('l1', 'u1', { tags: { op: 'union', values } });
      await Promise.all([a.write([union(['b', 'a'])]), b.write([union(['c'])]), a.write([union(['b'])])]);
      const seen = watch(c, inList('l1'));
      const doc = docOf(await seen.waitFor('u1'));
      expect([...(doc.data['tags'] as string[])].sort()).toEqual(['a', 'b', 'c']);
    });

    it('removals take values out of the list as the server holds it, beside concurrent additions', async () => {
      const [a, b, c] = [await connect('alice'), await connect('bob'), await connect('carol')];
      await a.write([createTodo('l1', 'r3', { tags: ['a', 'b'] })]);
      const change = (op: 'union' | 'remove', values: string[]) => setTodo('l1', 'r3', { tags: { op, values } });
      // b removes 'a' from the list it last saw (['a', 'b']) after a added 'c': 'c' stays.
      await a.write([change('union', ['c'])]);
      await b.write([change('remove', ['a'])]);
      await b.write([change('remove', ['a', 'x'])]);
      const seen = watch(c, inList('l1'));
      const doc = docOf(await seen.waitFor('r3'));
      expect([...(doc.data['tags'] as string[])].sort()).toEqual(['b', 'c']);
    });

    it('delivers added, modified and tombstones in order to a second client', async () => {
      const [a, b] = [await connect('alice'), await connect('bob')];
      const seen = watch(b, inList('l1'));
      const [created] = await a.write([createTodo('l1', 'd1')]);
      expect(docOf(await seen.waitFor('d1', 'added')).version).toBe(created!.version);
      const [edited] = await a.write([setTodo('l1', 'd1', { title: set('renamed'), dueAt: set(undefined) })]);
      const modified = docOf(await seen.waitFor('d1', 'modified'));
      expect(modified).toMatchObject({ version: edited!.version, deleted: false });
      expect(modified.data['title']).toBe('renamed');
      const [deleted] = await a.write([deleteTodo('l1', 'd1')]);
      await until(() => seen.changes.length === 3, 'the tombstone');
      const tombstone = docOf(seen.changes[2]);
      expect(seen.changes.map((c) => c.type)).toEqual(['added', 'modified', 'modified']);
      expect(tombstone).toMatchObject({ id: 'd1', deleted: true, version: deleted!.version });
      expect(seen.errors).toEqual([]);
    });

    it('a tombstone is final: a later merge (a stale edit from another device) does not bring the document back', async () => {
      const [a, b] = [await connect('alice'), await connect('bob')];
      await a.write([createTodo('l1', 'z1', { tags: ['a'] })]);
      await a.write([deleteTodo('l1', 'z1')]);
      const [late] = await b.write([setTodo('l1', 'z1', { title: set('edited offline'), tags: { op: 'union', values: ['b'] } })]);
      const seen = watch(b, inList('l1'));
      await a.write([createTodo('l1', 'sentinel')]);
      await seen.waitFor('sentinel');
      const doc = docOf(seen.changes.find((c) => docOrId(c) === 'z1'));
      expect(doc).toMatchObject({ id: 'z1', deleted: true, version: late!.version });
      expect(doc.data).toMatchObject({ title: 'edited offline' });
    });

    it('keeps to its scope: parent path and filters, with removed when a document leaves it', async () => {
      const [a, b] = [await connect('alice'), await connect('bob')];
      const open = watch(b, inList('l1', [{ field: 'done', op: '==', value: false }]));
      const tagged = watch(b, inList('l1', [{ field: 'tags', op: 'array-contains', value: 'urgent' }]));
      const picked = watch(b, inList('l1', [{ field: 'id', op: 'in', value: ['f2', 'sentinel'] }]));
      await a.write([createTodo('l2', 'other')]);
      await a.write([createTodo('l1', 'f1')]);
      await open.waitFor('f1', 'added');
      await a.write([setTodo('l1', 'f1', { done: set(true) })]);
      const removed = await open.waitFor('f1', 'removed');
      expect(removed).toEqual({ type: 'removed', collection: 'todos', id: 'f1', path: 'lists/l1/todos/f1' });
      await a.write([setTodo('l1', 'f1', { title: set('still done') })]);
      await a.write([setTodo('l1', 'f1', { done: set(false) })]);
      await until(() => open.changes.length === 3, 'f1 back in scope');
      await a.write([createTodo('l1', 'f2', { tags: ['urgent'] })]);
      await a.write([createTodo('l1', 'sentinel', { tags: ['urgent'], done: true })]);
      await Promise.all([open.waitFor('f2'), tagged.waitFor('sentinel'), picked.waitFor('sentinel')]);
      expect(open.changes.map((c) => `${c.type}:${docOrId(c)}`)).toEqual(['added:f1', 'removed:f1', 'added:f1', 'added:f2']);
      expect(tagged.ids()).toEqual(['f2', 'sentinel']);
      expect(picked.ids()).toEqual(['f2', 'sentinel']);
    });

    it('resumes from a checkpoint with exactly the missed changes, ties broken by id', async () => {
      const [a, b] = [await connect('alice'), await connect('bob')];
      await a.write([createTodo('l1', 'k1')]);
      const first = watch(b, inList('l1'));
      await first.waitFor('k1');
      const checkpoint = first.lastCheckpoint();
      expect(checkpoint?.id).toBe('k1');
      first.subscription.close();
      const batch = await a.write([createTodo('l1', 'k3'), createTodo('l1', 'k2')]);
      expect(batch[0]!.version).toBe(batch[1]!.version);
      await a.write([setTodo('l1', 'k1', { title: set('k1 again') })]);
      const [last] = await a.write([createTodo('l1', 'k4')]);

      const resumed = watch(b, inList('l1'), checkpoint);
      await resumed.waitFor('k4');
      // k3 and k2 came in one batch: one updatedAt, so the id breaks the tie.
      const [k2, k3] = [docOf(resumed.changes[0]), docOf(resumed.changes[1])];
      expect([k2.id, k3.id, k3.serverTime]).toEqual(['k2', 'k3', k2.serverTime]);
      const tie = watch(b, inList('l1'), { serverTime: k2.serverTime, id: 'k2' });
      await tie.waitFor('k4');
      await a.write([createTodo('l1', 'sentinel')]);
      await Promise.all([resumed.waitFor('sentinel'), tie.waitFor('sentinel')]);
      expect(resumed.ids()).toEqual(['k2', 'k3', 'k1', 'k4', 'sentinel']);
      expect(docOf(resumed.changes[2]).data['title']).toBe('k1 again');
      expect(tie.ids()).toEqual(['k3', 'k1', 'k4', 'sentinel']);
      const beforeSentinel = resumed.batches.find((x) => x.changes.some((c) => docOrId(c) === 'k4'));
      const k4 = docOf(beforeSentinel?.changes.find((c) => docOrId(c) === 'k4'));
      expect(k4.version).toBe(last!.version);
      expect(position(beforeSentinel?.checkpoint)).toEqual({ serverTime: k4.serverTime, id: 'k4' });
      let newest = 0;
      for (const { changes, checkpoint: cp } of resumed.batches) {
        const tail = docOf(changes.at(-1));
        newest = Math.max(newest, ...changes.map((c) => docOf(c).version));
        expect(position(cp)).toEqual({ serverTime: tail.serverTime, id: tail.id });
        // A checkpoint that carries a version carries the newest delivered so far.
        if (cp?.version !== undefined) expect(cp.version).toBe(newest);
      }
    });

    it('delivers a late commit (stamped before documents already delivered) to an open subscription', async () => {
      const [a, b] = [await connect('alice'), await connect('bob')];
      const seen = watch(b, inList('l1'));
      const late = batchOfTodos('l1', 'late', LATE_BATCH_SIZE);
      const quick = createTodo('l1', 'quick');
      const acks = await backend.writeConcurrently([late, [quick]], { whileFirstPending: () => seen.waitFor('quick').then(() => undefined) });
      await a.write([createTodo('l1', 'sentinel')]);
      await seen.waitForAll([...late.map((w) => w.id), 'sentinel']);
      expectOncePerVersion(seen.changes.filter((c) => docOrId(c) !== 'sentinel'), [...late, quick], acks.flat());
      expect(seen.errors).toEqual([]);
    });

    it('a resumed subscription delivers a document stamped before its checkpoint and committed after the previous one closed', async () => {
      const b = await connect('bob');
      const first = watch(b, inList('l1'));
      const late = batchOfTodos('l1', 'late', LATE_BATCH_SIZE);
      let checkpoint: Checkpoint | null = null;
      await backend.writeConcurrently([late, [createTodo('l1', 'quick')]], {
        async whileFirstPending() {
          await first.waitFor('quick');
          checkpoint = first.lastCheckpoint();
          first.subscription.close();
        },
      });
      expect(checkpoint).not.toBeNull();
      const resumed = watch(b, inList('l1'), checkpoint);
      const missing = () => {
        const delivered = new Set([...first.ids(), ...resumed.ids()]);
        return late.map((w) => w.id).filter((id) => !delivered.has(id));
      };
      await until(
        () => missing().length === 0,
        'every late document, before the close or after the resume',
        () => `first delivered ${first.ids().length}, resumed ${resumed.ids().length}, missing ${missing().length} (${missing().slice(0, 5).join(', ')}...)`,
      );
      expect([...first.errors, ...resumed.errors]).toEqual([]);
    });

    it(`delivers ${BURST_BATCHES} concurrent batches of ${BURST_BATCH_SIZE} (an import) exactly once per version, whatever their commit order`, async () => {
      const [a, b] = [await connect('alice'), await connect('bob')];
      const seen = watch(b, inList('l1'));
      const batches = Array.from({ length: BURST_BATCHES }, (_, n) => batchOfTodos('l1', `b${n}-`, BURST_BATCH_SIZE));
      const acks = await backend.writeConcurrently(batches);
      await a.write([createTodo('l1', 'sentinel')]);
      await seen.waitForAll([...batches.flat().map((w) => w.id), 'sentinel']);
      expectOncePerVersion(seen.changes.filter((c) => docOrId(c) !== 'sentinel'), batches.flat(), acks.flat());
      expect(seen.errors).toEqual([]);
    });

    it('delivers documents whose updatedAt server code wrote as a literal time, past or future, at their commit version', async () => {
      const [a, b] = [await connect('alice'), await connect('bob')];
      const seen = watch(b, inList('l1'));
      const [before] = await a.write([createTodo('l1', 'before')]);
      await seen.waitFor('before');
      const fields = { listId: 'l1', title: 'literal', done: false, position: 1, tags: [] };
      const past = new Date(Date.parse('2001-02-03T04:05:06.789Z'));
      const future = new Date(Date.now() + 3_600_000);
      await backend.writeRaw('lists/l1/todos/past', { ...fields, updatedAt: past });
      await backend.writeRaw('lists/l1/todos/future', { ...fields, updatedAt: future });
      const [pastDoc, futureDoc] = [docOf(await seen.waitFor('past')), docOf(await seen.waitFor('future'))];
      expect([pastDoc.serverTime, futureDoc.serverTime]).toEqual([past.getTime() * 1000, future.getTime() * 1000]);
      expect(pastDoc.version).toBeGreaterThan(before!.version);
      expect(futureDoc.version).toBeGreaterThan(pastDoc.version);
      expect(futureDoc.version).toBeLessThan(futureDoc.serverTime);
      expect(seen.errors).toEqual([]);
    });

    it('delivers a malformed document as invalid and keeps the stream going', async () => {
      const [a, b] = [await connect('alice'), await connect('bob')];
      const seen = watch(b, inList('l1'));
      await backend.writeRaw('lists/l1/todos/bad1', { listId: 'l1', title: 42, done: 'no', position: 1, tags: [] });
      await backend.writeRaw('lists/l1/todos/bad2', { listId: 'l1', done: false, position: 1.5, tags: [] });
      await a.write([createTodo('l1', 'good')]);
      await seen.waitFor('good', 'added');
      expect(seen.changes.map((c) => `${c.type}:${docOrId(c)}`)).toEqual(['invalid:bad1', 'invalid:bad2', 'added:good']);
      const invalid = seen.changes[0];
      if (invalid?.type !== 'invalid') throw new Error('expected invalid');
      expect(invalid).toMatchObject({ collection: 'todos', id: 'bad1', path: 'lists/l1/todos/bad1' });
      expect(invalid.error.kind).toBe('invalid-data');
      expect(invalid.raw).toMatchObject({ title: 42 });
      expect(seen.errors).toEqual([]);
    });

    it('refuses invalid writes with invalid-data, writing nothing of the batch', async () => {
      const [a, b] = [await connect('alice'), await connect('bob')];
      const wrongKind = await rejection(a.write([createTodo('l1', 'ok1'), createTodo('l1', 'v1', { title: 42 })]));
      expect(wrongKind).toMatchObject({ kind: 'invalid-data', retryable: false });
      const wrongPath = await rejection(a.write([{ ...createTodo('l1', 'v2'), path: 'lists/l1/v2' }]));
      expect(wrongPath.kind).toBe('invalid-data');
      const seen = watch(b, inList('l1'));
      await a.write([createTodo('l1', 'sentinel')]);
      await seen.waitFor('sentinel');
      expect(seen.ids()).toEqual(['sentinel']);
    });

    it('refuses a document over 1 MiB after the merge (each field under its own limit), writing nothing of the batch', async () => {
      const [a, b] = [await connect('alice'), await connect('bob')];
      await a.write([createTodo('l1', 'big', { title: 'x'.repeat(600_000) })]);
      const grown = await rejection(a.write([createTodo('l1', 'ok2'), setTodo('l1', 'big', { tags: set(['y'.repeat(600_000)]) })]));
      expect(grown).toMatchObject({ kind: 'invalid-data', retryable: false });
      const seen = watch(b, inList('l1'));
      await a.write([createTodo('l1', 'sentinel')]);
      await seen.waitFor('sentinel');
      expect(seen.ids().sort()).toEqual(['big', 'sentinel']);
      const big = seen.changes.find((c) => docOrId(c) === 'big');
      expect(JSON.stringify(big !== undefined && 'doc' in big ? big.doc.data : null)).not.toContain('yyyy');
    });

    it('reports permission-denied as non-retryable, for writes and subscriptions', async () => {
      const [a, b] = [await connect('alice'), await connect('bob')];
      await backend.deny('lists/l2');
      const denied = await rejection(a.write([createTodo('l2', 'p1')]));
      expect(denied).toMatchObject({ kind: 'permission-denied', retryable: false });
      const refused = watch(b, inList('l2'));
      await until(() => refused.errors.length > 0, 'the subscription error');
      expect(refused.errors[0]).toMatchObject({ kind: 'permission-denied', retryable: false });
      expect(refused.changes).toEqual([]);
      await a.write([createTodo('l1', 'p2')]);
      await watch(b, inList('l1')).waitFor('p2');
    });

    it('an aborted signal rejects with aborted and writes nothing', async () => {
      const [a, b] = [await connect('alice'), await connect('bob')];
      const aborted = await rejection(a.write([createTodo('l1', 'x1')], { signal: AbortSignal.abort() }));
      expect(aborted.kind).toBe('aborted');
      const seen = watch(b, inList('l1'));
      await a.write([createTodo('l1', 'sentinel')]);
      await seen.waitFor('sentinel');
      expect(seen.ids()).toEqual(['sentinel']);
    });

    it('offline: connection state follows, writes are not acknowledged, a retry after reconnect writes once', async () => {
      const [a, b] = [await connect('alice'), await connect('bob')];
      const states: string[] = [];
      const off = a.onConnectionChange((s) => states.push(s));
      expect(a.connectionState).toBe('online');
      await backend.setOnline(a, false);
      await until(() => a.connectionState === 'offline', 'offline');
      const controller = new AbortController();
      const write = createTodo('l1', 'o1', { title: 'offline edit' });
      const pending = a.write([write], { signal: controller.signal }).then(
        () => 'acknowledged' as const,
        (e: unknown) => e,
      );
      expect(await Promise.race([pending, sleep(100).then(() => 'still pending' as const)])).not.toBe('acknowledged');
      controller.abort();
      const outcome = await pending;
      expect(outcome).toBeInstanceOf(LocalfireError);
      expect(['aborted', 'offline']).toContain((outcome as LocalfireError).kind);
      expect((outcome as LocalfireError).retryable).toBe(true);
      await backend.setOnline(a, true);
      await until(() => a.connectionState === 'online', 'online');
      const [ack] = await a.write([write]);
      const seen = watch(b, inList('l1'));
      await a.write([createTodo('l1', 'sentinel')]);
      await seen.waitFor('sentinel');
      expect(seen.ids()).toEqual(['o1', 'sentinel']);
      expect(docOf(seen.changes[0]).data['title']).toBe('offline edit');
      expect(docOf(seen.changes[0]).version).toBeGreaterThanOrEqual(ack!.version);
      expect(states).toEqual(['offline', 'online']);
      off();
    });

    it('offline: a subscription pauses and then delivers what it missed, once', async () => {
      const [a, b] = [await connect('alice'), await connect('bob')];
      const seen = watch(b, inList('l1'));
      await a.write([createTodo('l1', 's1')]);
      await seen.waitFor('s1');
      await backend.setOnline(b, false);
      await a.write([createTodo('l1', 's2')]);
      await a.write([setTodo('l1', 's1', { title: set('edited while away') })]);
      await backend.setOnline(b, true);
      await a.write([createTodo('l1', 'sentinel')]);
      await seen.waitFor('sentinel');
      expect(seen.ids()).toEqual(['s1', 's2', 's1', 'sentinel']);
      expect(docOf(seen.changes[2]).data['title']).toBe('edited while away');
      expect(seen.errors).toEqual([]);
    });

    it('a closed subscription hears nothing more', async () => {
      const [a, b] = [await connect('alice'), await connect('bob')];
      const closed = watch(b, inList('l1'));
      await a.write([createTodo('l1', 'c1')]);
      await closed.waitFor('c1');
      closed.subscription.close();
      closed.subscription.close();
      const open = watch(b, inList('l1'));
      await a.write([createTodo('l1', 'c2')]);
      await open.waitFor('c2');
      expect(closed.ids()).toEqual(['c1']);
    });
  });
}

function docOrId(change: RemoteChange): string {
  return 'doc' in change ? change.doc.id : change.id;
}
