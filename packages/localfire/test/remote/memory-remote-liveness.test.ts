import { describe, expect, it } from 'vitest';
import { isLocalfireError } from '../../src/index.js';
import type { RemoteChange, RemoteWrite, SubscriptionSyncState } from '../../src/index.js';
import { createMemoryBackend } from '../../src/testing/index.js';
import { lists, todos } from '../fixtures/todo.js';

const listWrite = (id: string): RemoteWrite => ({
  mutationId: `m-${id}`, collection: 'lists', id, path: `lists/${id}`, op: 'set', fields: { name: { op: 'set', value: id }, ownerId: { op: 'set', value: 'u1' } },
});
const tick = () => new Promise<void>((r) => setTimeout(r, 0));

function watch(remote: ReturnType<ReturnType<typeof createMemoryBackend>['connect']>) {
  const states: SubscriptionSyncState[] = [];
  const ids: string[] = [];
  const sub = remote.subscribe({ collection: 'lists' }, null, {
    onChanges: (changes: readonly RemoteChange[]) => {
      for (const c of changes) if (c.type !== 'invalid') ids.push(c.type === 'removed' ? `-${c.id}` : c.doc.id);
    },
    onError: (e) => {
      throw e;
    },
    onSyncState: (s) => states.push(s),
  });
  return { states, ids, sub };
}

describe('in-memory remote: sync state, stalls, reachability, ping', () => {
  it('reports current after a pass finds nothing more, behind while offline, current again once caught up', async () => {
    const backend = createMemoryBackend({ collections: [lists, todos] });
    const writer = backend.connect({ userId: 'u1' });
    const reader = backend.connect({ userId: 'u1' });
    await writer.write([listWrite('l1')]);
    const w = watch(reader);
    await tick();
    expect(w.ids).toEqual(['l1']);
    expect(w.states).toEqual(['current']);
    reader.setOnline(false);
    expect(w.states).toEqual(['current', 'behind']);
    await writer.write([listWrite('l2')]);
    await tick();
    expect(w.ids).toEqual(['l1']);
    reader.setOnline(true);
    await tick();
    expect(w.ids).toEqual(['l1', 'l2']);
    expect(w.states).toEqual(['current', 'behind', 'current']);
    w.sub.close();
  });

  it('stallSubscriptions: listeners deliver nothing and report behind while writes and pings work; lifted, they catch up', async () => {
    const backend = createMemoryBackend({ collections: [lists, todos] });
    const writer = backend.connect({ userId: 'u1' });
    const reader = backend.connect({ userId: 'u1' });
    const w = watch(reader);
    await tick();
    reader.stallSubscriptions(true);
    expect(w.states).toEqual(['current', 'behind']);
    const acks = await reader.write([listWrite('own')]);
    expect(acks).toHaveLength(1);
    await writer.write([listWrite('other')]);
    await reader.ping();
    expect(reader.connectionState).toBe('online');
    await tick();
    expect(w.ids).toEqual([]);
    reader.stallSubscriptions(false);
    await tick();
    expect(w.ids.sort()).toEqual(['other', 'own']);
    expect(w.states).toEqual(['current', 'behind', 'current']);
    w.sub.close();
  });

  it('setReachable(false): writes and pings never settle until aborted (or reachable again); the connection state stays online', async () => {
    const backend = createMemoryBackend({ collections: [lists, todos] });
    const remote = backend.connect({ userId: 'u1' });
    const w = watch(remote);
    await tick();
    remote.setReachable(false);
    expect(remote.connectionState).toBe('online');
    expect(w.states.at(-1)).toBe('behind');
    const controller = new AbortController();
    const ping = remote.ping({ signal: controller.signal });
    let settled = false;
    const write = remote.write([listWrite('l1')]).finally(() => (settled = true));
    await tick();
    controller.abort();
    await expect(ping).rejects.toSatisfy((e) => isLocalfireError(e, 'aborted'));
    expect(settled).toBe(false);
    expect(backend.documents()).toEqual([]);
    remote.setReachable(true);
    await expect(write).resolves.toHaveLength(1);
    await tick();
    expect(w.ids).toEqual(['l1']);
    expect(w.states.at(-1)).toBe('current');
    w.sub.close();
  });

  it('ping answers while online and rejects offline while the network is switched off', async () => {
    const remote = createMemoryBackend({ collections: [lists, todos] }).connect({ userId: 'u1' });
    await expect(remote.ping()).resolves.toBeUndefined();
    remote.setOnline(false);
    await expect(remote.ping()).rejects.toSatisfy((e) => isLocalfireError(e, 'offline'));
  });
});
