// Server edits are authoritative: a change server code makes to an `immutable` field (a
// moderation, a fix) reaches every device that has the document, open or closed at the time.
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createNodeSqliteDriver } from '../../src/adapters/node-sqlite/index.js';
import { createLocalStore, createSyncEngine, defineCollection, field, isLocalfireError } from '../../src/index.js';
import type { LocalStore, RemoteScope, SyncEngine } from '../../src/index.js';
import { createMemoryBackend } from '../../src/testing/index.js';
import type { MemoryBackend } from '../../src/testing/index.js';
import { tempDir, until } from './helpers.js';

const posts = defineCollection({
  name: 'posts',
  path: 'posts/{id}',
  schema: z.object({ id: z.string(), text: z.string(), kind: z.string(), title: z.string() }),
  fields: { text: field.string({ merge: 'immutable' }), kind: field.string({ merge: 'immutable' }), title: field.string() },
});

interface PostDevice {
  readonly store: LocalStore;
  readonly engine: SyncEngine;
  close(): Promise<void>;
}

async function openPostDevice(backend: MemoryBackend, filename = ':memory:'): Promise<PostDevice> {
  const store = await createLocalStore({ driver: createNodeSqliteDriver({ filename }), collections: [posts] });
  const engine = createSyncEngine({
    store,
    remote: backend.connect({ userId: 'u1' }),
    userId: 'u1',
    scopes: ({ store: s }) => s.live((): Promise<RemoteScope[]> => Promise.resolve([{ collection: 'posts' }])),
  });
  await engine.start();
  return {
    store,
    engine,
    async close() {
      await engine.stop();
      await store.close();
    },
  };
}

describe('server edits of immutable fields reach every device', () => {
  const open: PostDevice[] = [];
  const dirs: (() => void)[] = [];
  afterEach(async () => {
    for (const d of open.splice(0)) await d.close();
    for (const cleanup of dirs.splice(0)) cleanup();
  });

  it('a redaction and a type fix by server code reach an open device and a device that was closed at the time', async () => {
    const backend = createMemoryBackend({ collections: [posts] });
    const tmp = tempDir();
    dirs.push(tmp.cleanup);
    const a = await openPostDevice(backend);
    open.push(a);
    await a.store.repo(posts).create({ id: 'p1', text: 'something rude', kind: 'direct', title: 'hello' });
    let b = await openPostDevice(backend, tmp.file('b.db'));
    await until(async () => (await b.store.repo(posts).read('p1'))?.text === 'something rude', 'b has the post');
    await b.close();

    // Server code (Admin SDK: no client, no rules) rewrites the document.
    const stored = backend.documents().find((d) => d.path === 'posts/p1');
    backend.injectRaw('posts/p1', { ...stored?.data, text: '[removed by a moderator]', kind: 'group' });

    await until(async () => (await a.store.repo(posts).read('p1'))?.text === '[removed by a moderator]', 'the open device has the redaction');
    expect(await a.store.repo(posts).read('p1')).toMatchObject({ kind: 'group', title: 'hello', $meta: { syncStatus: 'synced' } });

    b = await openPostDevice(backend, tmp.file('b.db'));
    open.push(b);
    await until(async () => (await b.store.repo(posts).read('p1'))?.text === '[removed by a moderator]', 'the device opened afterwards has the redaction');
    expect(await b.store.repo(posts).read('p1')).toMatchObject({ kind: 'group', title: 'hello', $meta: { syncStatus: 'synced' } });
  });

  it('a client may not change an immutable field: refused with a typed error, nothing written or queued', async () => {
    const backend = createMemoryBackend({ collections: [posts] });
    const a = await openPostDevice(backend);
    open.push(a);
    await a.store.repo(posts).create({ id: 'p1', text: 'original', kind: 'direct', title: 'hello' });
    await until(async () => (await a.store.sync.outboxStats()).pending === 0, 'pushed');
    await expect(a.store.repo(posts).update('p1', { text: 'edited' })).rejects.toSatisfy((e) => isLocalfireError(e, 'precondition') && e.details['field'] === 'text');
    expect(await a.store.repo(posts).read('p1')).toMatchObject({ text: 'original', $meta: { syncStatus: 'synced' } });
    expect(await a.store.sync.listOutbox()).toEqual([]);
  });
});
