// Firestore-specific behaviour beyond the remote contract, on the run's emulator.
import { disableNetwork, doc, enableNetwork, setDoc, Timestamp } from 'firebase/firestore';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFirestoreRemote, MAX_IN_VALUES } from '../../src/adapters/firestore/index.js';
import type { FirestoreRemote } from '../../src/adapters/firestore/index.js';
import { LocalfireError } from '../../src/index.js';
import type { FieldChange, RemoteScope, RemoteWrite } from '../../src/index.js';
import { createTestProject } from '../../../../test-support/firestore.js';
import type { TestProject } from '../../../../test-support/firestore.js';
import { lists, todos } from '../fixtures/todo.js';
import { rulesDenying } from './firestore-test-backend.js';
import { idOf, watch } from './watch-scope.js';
import { until as waitUntil } from '../../../../test-support/until.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
// As in the remote contract over the emulator: a listener the emulator leaves without a first
// snapshot is reopened by the stall watchdog after 2 s plus a backoff, and one reopen is not
// always enough, so a delivery may take well over 15 s under load.
const until = (condition: () => boolean, what: string) => waitUntil(condition, what, { timeoutMs: 30_000 });

const set = (value: unknown): FieldChange => ({ op: 'set', value });
const todo = (listId: string, id: string, position = 1): RemoteWrite => ({
  mutationId: `m-${id}`, collection: 'todos', id, path: `lists/${listId}/todos/${id}`, op: 'set',
  fields: { listId: set(listId), title: set(`todo ${id}`), done: set(false), position: set(position), tags: set([]) },
});
async function rejection(promise: Promise<unknown>): Promise<LocalfireError> {
  const outcome = await promise.then(() => undefined, (e: unknown) => e);
  if (!(outcome instanceof LocalfireError)) throw new Error(`expected a LocalfireError, got ${String(outcome)}`);
  return outcome;
}

describe('Firestore remote adapter', { timeout: 90_000 }, () => {
  let project: TestProject;
  let remotes: FirestoreRemote[];
  const connect = (userId = 'alice', options: { listenerWindowDocs?: number; maxCommitLagMs?: number } = {}) => {
    const remote = createFirestoreRemote({ firestore: project.connect(userId), collections: [lists, todos], ...options });
    remotes.push(remote);
    return remote;
  };

  beforeEach(async () => {
    remotes = [];
    project = await createTestProject({ label: 'firestore-adapter', rules: rulesDenying([]) });
  });
  afterEach(async () => {
    await Promise.all(remotes.map((r) => r.close()));
    await project.dispose();
  });

  it('refuses a batch over 500 writes with invalid-data and writes nothing', async () => {
    const [a, b] = [connect(), connect('bob')];
    const writes = Array.from({ length: 501 }, (_, i) => todo('big', `t${String(i).padStart(3, '0')}`));
    const refused = await rejection(a.write(writes));
    expect(refused).toMatchObject({ kind: 'invalid-data', retryable: false, details: { count: 501 } });
    await a.write([todo('big', 'sentinel')]);
    const seen = watch(b, { collection: 'todos', parents: { listId: 'big' } });
    await until(() => seen.changes.length > 0, 'the sentinel');
    expect(seen.ids()).toEqual(['sentinel']);
  });

  it(`splits an id list over ${MAX_IN_VALUES} into chunks and merges them into one ordered stream`, async () => {
    const [a, b] = [connect(), connect('bob')];
    const ids = Array.from({ length: 70 }, (_, i) => `c${String(i).padStart(2, '0')}`);
    await a.write(ids.map((id, i) => todo('l1', id, i)));
    const wanted = ids.filter((_, i) => i % 10 !== 3);
    const seen = watch(b, { collection: 'todos', parents: { listId: 'l1' }, filters: [{ field: 'id', op: 'in', value: [...wanted, 'missing'] }] });
    await until(() => seen.changes.length === wanted.length, 'the chunked documents');
    expect(seen.ids()).toEqual(wanted);
    const [late] = await a.write([{ ...todo('l1', wanted.at(-1)!), fields: { title: set('late edit') } }]);
    await a.write([{ ...todo('l1', 'c03'), fields: { title: set('not wanted') } }]);
    await until(() => seen.changes.length === wanted.length + 1, 'the late edit').catch((e: unknown) => {
      throw new Error(`${String(e)}; the last changes: ${JSON.stringify(seen.changes.slice(wanted.length - 2).map((c) => ('doc' in c ? [c.type, c.doc.id, c.doc.serverTime, c.doc.version, c.doc.data["title"]] : c)))}, checkpoints ${JSON.stringify(seen.checkpoints.slice(-3))}`);
    });
    const edited = seen.changes.at(-1);
    expect(edited).toMatchObject({ type: 'modified', doc: { id: wanted.at(-1), version: late!.version } });
    expect(seen.checkpoints.at(-1)).toMatchObject({ serverTime: edited && 'doc' in edited ? edited.doc.serverTime : -1, id: wanted.at(-1) });
    expect(seen.errors).toEqual([]);
  });

  it('hands over a commit that touches two chunks with no checkpoint covering a part still to come', async () => {
    const [a, b] = [connect(), connect('bob')];
    const ids = Array.from({ length: MAX_IN_VALUES + 1 }, (_, i) => `k${String(i).padStart(2, '0')}`);
    await a.write(ids.map((id, i) => todo('l1', id, i)));
    const batches: { edited: string[]; version: number }[] = [];
    const errors: LocalfireError[] = [];
    b.subscribe({ collection: 'todos', parents: { listId: 'l1' }, filters: [{ field: 'id', op: 'in', value: ids }] }, null, {
      onChanges(changes, checkpoint) {
        const edited = changes.flatMap((c) => ('doc' in c && c.doc.data['title'] === 'edited' ? [c.doc.id] : []));
        batches.push({ edited, version: checkpoint?.version ?? 0 });
      },
      onError: (e) => errors.push(e),
    });
    await until(() => batches.length > 0, 'the chunked documents');
    const edits = [ids[0]!, ids.at(-1)!]; // one commit, one document in each chunk's listener
    const [ack] = await a.write(edits.map((id) => ({ ...todo('l1', id), fields: { title: set('edited') } })));
    await until(() => batches.flatMap((x) => x.edited).length === 2, 'both edits');
    // A resume from a checkpoint drops every document committed by its version as delivered, so
    // the first checkpoint at the commit's version must come with both edits.
    const first = batches.findIndex((x) => x.version >= ack!.version);
    expect(batches.slice(0, first + 1).flatMap((x) => x.edited).sort()).toEqual([...edits].sort());
    expect(errors).toEqual([]);
  });

  it('converts Timestamps exactly: microsecond updatedAt, Dates in fields, checkpoints at micros', async () => {
    const b = connect('bob');
    const admin = project.connectAdmin();
    const updatedAt = new Timestamp(1_700_000_000, 123_456_000);
    await setDoc(doc(admin, 'lists/l1/todos/x1'), { listId: 'l1', title: 'raw', done: false, position: 1, tags: [], dueAt: new Timestamp(1_600_000_000, 7_000_000), updatedAt });
    await setDoc(doc(admin, 'lists/l1/todos/x2'), { listId: 'l1', title: 'raw', done: false, position: 2, tags: [], updatedAt: new Timestamp(1_700_000_000, 123_457_000) });
    await setDoc(doc(admin, 'lists/l1/todos/x3'), { listId: 'l1', title: 'raw', done: false, position: 3, tags: [], updatedAt: 'not a time' });
    const seen = watch(b, { collection: 'todos', parents: { listId: 'l1' } });
    await until(() => seen.changes.length === 3, 'three documents');
    // A non-timestamp updatedAt counts as server time 0: first in the batch, never a checkpoint.
    const [x3, x1, x2] = seen.changes;
    expect(x1).toMatchObject({ type: 'added', doc: { id: 'x1', serverTime: 1_700_000_000_123_456, data: { dueAt: new Date(1_600_000_000_007) } } });
    expect(x2).toMatchObject({ type: 'added', doc: { id: 'x2', serverTime: 1_700_000_000_123_457 } });
    expect(x3).toMatchObject({ type: 'invalid', id: 'x3', error: { kind: 'invalid-data' } });
    const resumed = watch(b, { collection: 'todos', parents: { listId: 'l1' } }, { serverTime: 1_700_000_000_123_456, id: 'x1' });
    await until(() => resumed.changes.length === 2, 'the documents after x1');
    expect(resumed.ids()).toEqual(['x3', 'x2']);
    expect(resumed.checkpoints.at(-1)).toMatchObject({ serverTime: 1_700_000_000_123_457, id: 'x2' });
  });

  it("delivers the client's own writes once, only with their committed server time", async () => {
    const a = connect();
    const seen = watch(a, { collection: 'todos', parents: { listId: 'l1' } });
    const [ack] = await a.write([todo('l1', 'own')]);
    const [ack2] = await a.write([{ ...todo('l1', 'own'), fields: { title: set('again') } }]);
    await until(() => seen.changes.length >= 2, 'both versions');
    await sleep(200);
    expect(seen.changes.map((c) => ('doc' in c ? c.doc.version : -1))).toEqual([ack!.version, ack2!.version]);
    // updatedAt is stamped when a write starts; its version (the commit time) is never earlier.
    for (const c of seen.changes) if ('doc' in c) expect(c.doc.serverTime).toBeLessThanOrEqual(c.doc.version);
  });

  it('versions follow commit order when updatedAt does not: a write that started first and committed last is the newest', { timeout: 120_000 }, async () => {
    // updatedAt = serverTimestamp() is stamped when the server starts a write; a large batch started
    // just before a small one can commit after it, leaving the document with the older updatedAt.
    const [a, b, c] = [connect('alice'), connect('bob'), connect('carol', { listenerWindowDocs: Infinity })];
    const seen = watch(c, { collection: 'todos', parents: { listId: 'race' } });
    const versionsOfX = () => seen.changes.flatMap((ch) => ('doc' in ch && ch.doc.id === 'x' ? [ch.doc] : []));
    const edit = (title: string): RemoteWrite => {
      const base = todo('race', 'x');
      return { ...base, mutationId: `${base.mutationId}-${title}`, fields: { ...base.fields, title: set(title) } };
    };
    let inversions = 0;
    for (let round = 0; round < 60 && inversions < 2; round += 1) {
      const filler = Array.from({ length: 300 }, (_, i) => todo('filler', `r${round}-${i}`));
      const big = a.write([...filler, edit(`a${round}`)]);
      await sleep(5 + (round % 8) * 5);
      const small = b.write([edit(`b${round}`)]);
      const [bigAcks, smallAcks] = await Promise.all([big, small]);
      const [aVersion, bVersion] = [bigAcks.at(-1)!.version, smallAcks[0]!.version];
      const winner = aVersion > bVersion ? `a${round}` : `b${round}`;
      // What carol ends with is the last commit, by version, whatever the updatedAt of either.
      await until(() => versionsOfX().at(-1)?.data['title'] === winner, `carol to hold ${winner}`).catch((e: unknown) => {
        throw new Error(`${String(e)}: acks a ${aVersion}, b ${bVersion}; carol saw ${JSON.stringify(versionsOfX().map((d) => [d.data["title"], d.serverTime, d.version]))}`);
      });
      const thisRound = versionsOfX().filter((d) => String(d.data['title']).slice(1) === String(round));
      expect(thisRound.at(-1)!.version).toBe(Math.max(aVersion, bVersion));
      if (thisRound.length === 2 && thisRound[1]!.serverTime < thisRound[0]!.serverTime) inversions += 1;
    }
    const versions = versionsOfX().map((d) => d.version);
    expect(versions).toEqual([...versions].sort((x, y) => x - y));
    expect(new Set(versions).size).toBe(versions.length);
    // The race this test is about happened (about one round in ten on the emulator).
    expect(inversions).toBeGreaterThan(0);
    expect(seen.errors).toEqual([]);
  });

  it('a resumed subscription looks back for a write stamped before its checkpoint but committed after it', { timeout: 240_000 }, async () => {
    const [a, b, c] = [connect('alice'), connect('bob'), connect('carol')];
    const noLookback = connect('dave', { maxCommitLagMs: 0 });
    const scope: RemoteScope = { collection: 'todos', parents: { listId: 'late' } };
    for (let round = 0; round < 20; round += 1) {
      // A first subscription, delivering (a write it sees proves its listener registered: the
      // emulator can drop a change committed while a listener registers).
      const first = watch(c, scope);
      await b.write([todo('late', `s${round}`)]);
      await until(() => first.ids().includes(`s${round}`), `s${round}`);
      // Alice's large batch is stamped first and commits last; Bob's small write lands in between.
      const filler = Array.from({ length: 400 }, (_, i) => todo('filler', `late${round}-${i}`));
      const big = a.write([...filler, todo('late', `x${round}`)]);
      await sleep(10);
      await b.write([todo('late', `y${round}`)]);
      await until(() => first.ids().includes(`y${round}`), `y${round}`);
      const checkpoint = first.checkpoints.at(-1)!;
      first.subscription.close();
      await big;
      // The round counts only if x committed after the first subscription closed (it never saw x)
      // and was stamped before the checkpoint (checked below).
      if (first.ids().includes(`x${round}`)) continue;
      const resumed = watch(c, scope, checkpoint);
      const blind = watch(noLookback, scope, checkpoint);
      await until(() => resumed.ids().includes(`x${round}`), `x${round}`);
      const x = resumed.changes.find((ch) => idOf(ch) === `x${round}`);
      if (!(x && 'doc' in x && x.doc.serverTime < checkpoint.serverTime)) {
        // Stamped after y: the resumed listener itself saw it; not the race this test is about.
        resumed.subscription.close();
        blind.subscription.close();
        continue;
      }
      await sleep(2_000);
      // Without the look-back the late commit is never delivered (the listener starts after the checkpoint).
      expect(blind.ids()).not.toContain(`x${round}`);
      expect(resumed.ids().filter((id) => id === `x${round}`)).toHaveLength(1);
      expect([...resumed.errors, ...blind.errors]).toEqual([]);
      return;
    }
    throw new Error('in 20 rounds the emulator never committed the large batch after the small write');
  });

  it('refuses a negative or infinite maxCommitLagMs with invalid-definition', () => {
    for (const maxCommitLagMs of [-1, Infinity, Number.NaN]) {
      expect(() => connect('alice', { maxCommitLagMs })).toThrow(expect.objectContaining({ kind: 'invalid-definition' }));
    }
  });

  it('acknowledges two batches in flight at once on one document, each with the version it committed', async () => {
    const a = connect();
    const seen = watch(connect('bob'), { collection: 'todos', parents: { listId: 'l1' } });
    const edit = (title: string): RemoteWrite => {
      const base = todo('l1', 'twice');
      return { ...base, mutationId: `${base.mutationId}-${title}`, fields: { ...base.fields, title: set(title) } };
    };
    // When the first commit resolves the second is still pending in the SDK: the ack reads the
    // document with that write on top of the committed state.
    const [[first], [second]] = await Promise.all([a.write([edit('one')]), a.write([edit('two')])]);
    expect(first!.version).toBeGreaterThan(0);
    // The first ack may already read the second commit (an ack carries its version "or a newer one").
    expect(second!.version).toBeGreaterThanOrEqual(first!.version);
    await until(() => seen.changes.some((c) => 'doc' in c && c.doc.version === second!.version), 'the second version');
    expect(seen.changes.at(-1)).toMatchObject({ doc: { id: 'twice', version: second!.version, data: { title: 'two' } } });
  });

  it('with the network disabled: offline state, writes rejected at once as offline; close() refuses further use', async () => {
    const a = connect();
    await a.setNetworkEnabled(false);
    expect(a.connectionState).toBe('offline');
    const offline = await rejection(a.write([todo('l1', 'n1')]));
    expect(offline).toMatchObject({ kind: 'offline', retryable: true });
    await a.setNetworkEnabled(true);
    expect(a.connectionState).toBe('online');
    expect(await a.write([todo('l1', 'n1')])).toHaveLength(1);
    await a.close();
    await a.close();
    expect((await rejection(a.write([todo('l1', 'n2')]))).kind).toBe('closed');
  });

  it('aborts a commit the SDK cannot send; the SDK applies the queued batch later, and a retry waits for it instead of applying it again', async () => {
    const [a, b] = [connect(), connect('bob')];
    await disableNetwork(a.firestore);
    expect(a.connectionState).toBe('online');
    const controller = new AbortController();
    const pending = a.write([todo('l1', 'q1')], { signal: controller.signal });
    await sleep(50);
    controller.abort(new Error('deadline'));
    expect(await rejection(pending)).toMatchObject({ kind: 'aborted', retryable: true });
    await enableNetwork(a.firestore);
    const seen = watch(b, { collection: 'todos', parents: { listId: 'l1' } });
    await until(() => seen.ids().includes('q1'), 'the queued batch to be applied');
    // Another client changes the document before the retry: a second application would undo it.
    const [edited] = await b.write([{ mutationId: 'b-1', collection: 'todos', id: 'q1', path: 'lists/l1/todos/q1', op: 'set', fields: { title: set('edited by bob') } }]);
    await until(() => seen.changes.some((c) => 'doc' in c && c.doc.version === edited!.version), "bob's edit");
    const [retry] = await a.write([todo('l1', 'q1')]);
    await a.write([todo('l1', 'sentinel')]);
    await until(() => seen.ids().includes('sentinel'), 'the sentinel');
    expect(seen.ids()).toEqual(['q1', 'q1', 'sentinel']);
    expect(seen.changes[1]).toMatchObject({ doc: { version: edited!.version, data: { title: 'edited by bob', position: 1 } } });
    // The retry's ack is the queued batch's own commit: nothing was committed again.
    expect(seen.changes[0]).toMatchObject({ doc: { version: retry!.version, data: { title: 'todo q1' } } });
  });

  it('hands over a batch only after the previous onChanges promise settled, and reports a throwing handler', async () => {
    const [a, b] = [connect(), connect('bob')];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const calls: string[][] = [];
    let active = 0;
    let overlapped = false;
    const errors: LocalfireError[] = [];
    b.subscribe({ collection: 'todos', parents: { listId: 'l1' } }, null, {
      async onChanges(changes) {
        overlapped ||= active > 0;
        active++;
        calls.push(changes.map(idOf));
        if (calls.length === 1) await gate;
        active--;
        if (changes.some((c) => idOf(c) === 'boom')) throw new Error('handler failure');
      },
      onError: (e) => errors.push(e),
    });
    await a.write([todo('l1', 'g1')]);
    await until(() => calls.length === 1, 'the first batch');
    await a.write([todo('l1', 'g2')]);
    await sleep(300);
    expect(calls).toEqual([['g1']]);
    release();
    await until(() => calls.length === 2, 'the second batch');
    expect(calls[1]).toEqual(['g2']);
    await a.write([todo('l1', 'boom')]);
    await until(() => errors.length === 1, 'the handler error');
    await a.write([todo('l1', 'after')]);
    await sleep(300);
    expect(calls.flat()).toEqual(['g1', 'g2', 'boom']);
    expect(errors[0]?.kind).toBe('internal');
    expect(overlapped).toBe(false);
  });

  it('reports a malformed scope through onError, never by throwing', async () => {
    const a = connect();
    const unknown = watch(a, { collection: 'nope' });
    const noParent = watch(a, { collection: 'todos' });
    await until(() => unknown.errors.length + noParent.errors.length === 2, 'both errors');
    expect(unknown.errors[0]?.kind).toBe('invalid-query');
    expect(noParent.errors[0]?.kind).toBe('invalid-query');
  });
  it("never reports its own in-flight write as 'removed' (a pending serverTimestamp drops out of the updatedAt-ordered query locally)", async () => {
    const a = connect();
    await a.write([todo('own', 't1')]);
    for (const from of [null, { serverTime: 1, id: 'a' }] as const) {
      const seen = watch(a, { collection: 'todos', parents: { listId: 'own' } }, from);
      await until(() => seen.changes.length > 0, `the first delivery from ${JSON.stringify(from)}`);
      for (let i = 2; i <= 4; i += 1) await a.write([todo('own', 't1', i)]);
      await until(() => seen.changes.some((c) => c.type === 'modified' && c.doc.data['position'] === 4), 'the last edit');
      expect(seen.changes.filter((c) => c.type === 'removed')).toEqual([]);
      seen.subscription.close();
    }
  });

  it('rolls a listener forward past its window: an older document edited after the roll still arrives, nothing arrives twice', async () => {
    const a = connect();
    const b = connect('bob', { listenerWindowDocs: 3 });
    const seen = watch(b, { collection: 'todos', parents: { listId: 'roll' } });
    for (let i = 1; i <= 5; i += 1) {
      await a.write([todo('roll', `t${i}`, i)]);
      await until(() => seen.ids().includes(`t${i}`), `t${i}`);
    }
    await a.write([todo('roll', 't1', 10)]);
    await until(() => seen.changes.length === 6, 't1 edited after the roll');
    await a.write([todo('roll', 't6', 6)]);
    await until(() => seen.ids().includes('t6'), 't6');
    await sleep(300);
    expect(seen.ids()).toEqual(['t1', 't2', 't3', 't4', 't5', 't1', 't6']);
    const edited = seen.changes[5];
    expect(edited?.type !== 'removed' && edited?.type !== 'invalid' ? edited?.doc.data['position'] : undefined).toBe(10);
    expect(seen.errors).toEqual([]);
    const times = seen.checkpoints.map((c) => c?.serverTime ?? 0);
    expect(times).toEqual([...times].sort((x, y) => x - y));
  });

  it('refuses a listener window under one document with invalid-definition', () => {
    for (const listenerWindowDocs of [0, -1, Number.NaN]) {
      expect(() => connect('alice', { listenerWindowDocs })).toThrow(expect.objectContaining({ kind: 'invalid-definition' }));
    }
  });

  it('counts a field-filtered scope and tells which ids are still in it: one that left the filter, or was never there, is not', async () => {
    const a = connect();
    const list = (id: string, name: string): RemoteWrite => ({ mutationId: `m-${id}-${name}`, collection: 'lists', id, path: `lists/${id}`, op: 'set', fields: { name: set(name), ownerId: set('alice') } });
    await a.write([list('s1', 'kept'), list('s2', 'kept'), list('s3', 'kept')]);
    const kept: RemoteScope = { collection: 'lists', filters: [{ field: 'name', op: '==', value: 'kept' }] };
    expect(await a.countInScope!(kept)).toBe(3);
    await a.write([list('s2', 'gone')]);
    expect(await a.countInScope!(kept)).toBe(2);
    expect([...(await a.stillInScope!(kept, ['s1', 's2', 's3', 'never']))].sort()).toEqual(['s1', 's3']);
    expect((await a.stillInScope!(kept, [])).size).toBe(0);
  });

  it('never reports removed a document still in a field-filtered scope that server code stamped below the bound (a literal past updatedAt)', async () => {
    const [a, b] = [connect(), connect('bob')];
    const list = (id: string, name: string): RemoteWrite => ({ mutationId: `m-${id}-${name}`, collection: 'lists', id, path: `lists/${id}`, op: 'set', fields: { name: set(name), ownerId: set('alice') } });
    const kept: RemoteScope = { collection: 'lists', filters: [{ field: 'name', op: '==', value: 'kept' }] };
    await a.write([list('p1', 'kept')]);
    const first = watch(b, kept);
    await until(() => first.ids().includes('p1'), 'p1');
    first.subscription.close();
    // Resumed: the listener starts at the checkpoint minus the commit lag, so it holds p1.
    const checkpoint = first.checkpoints.at(-1) ?? null;
    expect(checkpoint).not.toBeNull();
    const resumed = watch(b, kept, checkpoint);
    await a.write([list('p2', 'kept')]);
    await until(() => resumed.ids().includes('p2'), 'p2');
    // A migration script writes a literal time a day ago: p1 falls below the listener's bound.
    await setDoc(doc(project.connectAdmin(), 'lists/p1'), { name: 'kept', ownerId: 'alice', deleted: false, updatedAt: Timestamp.fromMillis(Date.now() - 86_400_000) });
    await a.write([list('p3', 'kept')]);
    await until(() => resumed.ids().includes('p3'), 'p3');
    await sleep(1_000);
    expect(resumed.changes.filter((c) => c.type === 'removed').map(idOf)).toEqual([]);
    // Delivered as it is (the resumed subscription had not delivered it yet: 'added').
    expect(resumed.changes.filter((c) => idOf(c) === 'p1').map((c) => c.type)).toEqual(['added']);
    // Leaving the filters is still a removal, the device's own write (pending when heard) too.
    await Promise.all([a.write([list('p2', 'gone')]), b.write([list('p3', 'gone')])]);
    await until(() => resumed.changes.filter((c) => c.type === 'removed').length === 2, 'p2 and p3 leaving the scope');
    expect(resumed.changes.filter((c) => c.type === 'removed').map(idOf).sort()).toEqual(['p2', 'p3']);
    expect(resumed.errors).toEqual([]);
  });

  it('a resumed field-filtered scope reports removed a document last written long before the checkpoint that then leaves it', async () => {
    const a = connect();
    const b = connect('bob');
    const list = (id: string, name: string): RemoteWrite => ({ mutationId: `m-${id}-${name}`, collection: 'lists', id, path: `lists/${id}`, op: 'set', fields: { name: set(name), ownerId: set('alice') } });
    const kept: RemoteScope = { collection: 'lists', filters: [{ field: 'name', op: '==', value: 'kept' }] };
    // Last written an hour ago: far below any bound a resumed listener would start from.
    await setDoc(doc(project.connectAdmin(), 'lists/quiet'), { name: 'kept', ownerId: 'alice', deleted: false, updatedAt: Timestamp.fromMillis(Date.now() - 3_600_000) });
    await a.write([list('recent', 'kept')]);
    const first = watch(b, kept);
    await until(() => first.ids().length === 2, 'both lists');
    first.subscription.close();
    const resumed = watch(b, kept, first.checkpoints.at(-1));
    await a.write([list('s1', 'kept')]);
    await until(() => resumed.ids().includes('s1'), 's1');
    await a.write([list('quiet', 'gone')]);
    await until(() => resumed.changes.some((c) => c.type === 'removed'), 'the quiet list leaving the scope');
    expect(resumed.changes.filter((c) => c.type === 'removed').map(idOf)).toEqual(['quiet']);
    expect(resumed.ids().filter((id) => id === 'recent')).toEqual([]);
  });

  it('never rolls a field-filtered scope, so a document that leaves it is still reported removed', async () => {
    const a = connect();
    const b = connect('bob', { listenerWindowDocs: 1 });
    const list = (id: string, name: string): RemoteWrite => ({ mutationId: `m-${id}-${name}`, collection: 'lists', id, path: `lists/${id}`, op: 'set', fields: { name: set(name), ownerId: set('alice') } });
    const seen = watch(b, { collection: 'lists', filters: [{ field: 'name', op: '==', value: 'kept' }] });
    for (const id of ['f1', 'f2', 'f3']) {
      await a.write([list(id, 'kept')]);
      await until(() => seen.ids().includes(id), id);
    }
    await a.write([list('f1', 'gone')]);
    await until(() => seen.changes.some((c) => c.type === 'removed'), 'f1 leaving the scope');
    expect(seen.changes.filter((c) => c.type === 'removed').map(idOf)).toEqual(['f1']);
  });
});
