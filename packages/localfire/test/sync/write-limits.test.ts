import { afterEach, describe, expect, it } from 'vitest';
import { isLocalfireError } from '../../src/index.js';
import { MAX_DOCUMENT_BYTES, documentSize } from '../../src/schema/firestore-limits.js';
import { lists, todos } from '../fixtures/todo.js';
import { list, newBackend, openDevice, serverRows, settled, todo } from './helpers.js';
import type { Device } from './helpers.js';

const big = (bytes: number) => 'x'.repeat(bytes);

describe("writes are refused at once when Firestore's limits would refuse them", () => {
  const open: Device[] = [];
  afterEach(async () => {
    for (const d of open.splice(0)) await d.close();
  });

  async function deviceWithList(): Promise<Device & { backend: ReturnType<typeof newBackend> }> {
    const backend = newBackend();
    const d = await openDevice(backend);
    open.push(d);
    await d.store.repo(lists).create(list('l1'));
    await settled(d);
    return Object.assign(d, { backend });
  }

  const outboxCount = async (d: Device) => (await d.store.sync.listOutbox()).length;

  it('a 1.2 MB text is refused by create and by update: a typed error, nothing in the table or the outbox', async () => {
    const d = await deviceWithList();
    const repo = d.store.repo(todos);
    const create = repo.create({ ...todo('l1', 't-big'), notes: { text: big(1_200_000) } });
    await expect(create).rejects.toSatisfy((e) => isLocalfireError(e, 'validation') && e.details['limit'] === 'field-value-size' && e.details['field'] === 'notes');
    expect(await repo.read('t-big')).toBeUndefined();
    expect(await outboxCount(d)).toBe(0);

    await repo.create(todo('l1', 't1'));
    await settled(d);
    const update = repo.update('t1', { notes: { text: big(1_200_000) } });
    await expect(update).rejects.toSatisfy((e) => isLocalfireError(e, 'validation') && e.details['limit'] === 'field-value-size');
    const row = await repo.read('t1');
    expect(row?.notes).toBeUndefined();
    expect(row?.$meta.syncStatus).toBe('synced');
    expect(await outboxCount(d)).toBe(0);
  });

  it('the whole document counts: two fields under the field limit that sum over 1 MiB are refused', async () => {
    const d = await deviceWithList();
    const repo = d.store.repo(todos);
    await repo.create({ ...todo('l1', 't1'), tags: [big(600_000)] });
    await settled(d);
    // The update changes only `notes`, but the document on the server holds `tags` too.
    const update = repo.update('t1', { notes: { text: big(600_000) } });
    await expect(update).rejects.toSatisfy((e) => isLocalfireError(e, 'validation') && e.details['limit'] === 'document-size');
    expect(await outboxCount(d)).toBe(0);
    expect((await repo.read('t1'))?.notes).toBeUndefined();
  });

  it('a document just under 1 MiB (counting updatedAt and deleted) is accepted and pushes fine', async () => {
    const d = await deviceWithList();
    const repo = d.store.repo(todos);
    const base = { ...todo('l1', 't1'), notes: { text: '' } };
    const path = 'lists/l1/todos/t1';
    const { id: _id, ...fields } = base;
    const fixed = documentSize(path, { ...fields, updatedAt: new Date(0), deleted: false });
    const fits = { ...base, notes: { text: big(MAX_DOCUMENT_BYTES - fixed) } };
    const { id: _id2, ...fitsFields } = fits;
    expect(documentSize(path, { ...fitsFields, updatedAt: new Date(0), deleted: false })).toBe(MAX_DOCUMENT_BYTES);

    const tooBig = repo.create({ ...fits, notes: { text: big(MAX_DOCUMENT_BYTES - fixed + 1) } });
    await expect(tooBig).rejects.toSatisfy((e) => isLocalfireError(e, 'validation') && e.details['limit'] === 'document-size');
    await repo.create(fits);
    await settled(d);
    expect((await repo.read('t1'))?.$meta.syncStatus).toBe('synced');
    expect(serverRows(d.backend, 'todos').find((r) => r['id'] === 't1')?.['notes']).toEqual(fits.notes);
    expect(d.engine.status.get().failedCount).toBe(0);
  });

  it('refuses nesting deeper than 20 and reserved map keys in json fields', async () => {
    const d = await deviceWithList();
    const repo = d.store.repo(todos);
    const nest = (depth: number): Record<string, unknown> => (depth === 1 ? {} : { n: nest(depth - 1) });
    await expect(repo.create({ ...todo('l1', 't1'), notes: nest(21) })).rejects.toSatisfy((e) => isLocalfireError(e, 'validation') && e.details['limit'] === 'depth');
    await expect(repo.create({ ...todo('l1', 't2'), notes: { __name__: 1 } })).rejects.toSatisfy((e) => isLocalfireError(e, 'validation') && e.details['limit'] === 'field-name');
    expect(await outboxCount(d)).toBe(0);
    expect(await repo.readAll()).toEqual([]);
  });
});
