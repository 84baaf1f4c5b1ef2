import { afterEach, describe, expect, it } from 'vitest';
import { createSyncInspectorViewModel, INSPECTOR_LOG_SIZE } from '../../src/view-models/index.js';
import type { SyncInspectorViewModel } from '../../src/view-models/index.js';
import { createWorld, seedUsers, until } from './fixture.js';
import type { World } from './fixture.js';

let world: World;
const disposers: (() => void)[] = [];
const track = (vm: SyncInspectorViewModel): SyncInspectorViewModel => {
  disposers.push(() => vm.dispose());
  return vm;
};

afterEach(async () => {
  while (disposers.length > 0) disposers.pop()?.();
  await world.close();
});

describe('SyncInspectorViewModel', () => {
  it('follows the engine: pending while offline, synced after Force sync, log newest first', async () => {
    world = createWorld();
    const alice = await world.device('alice');
    const vm = track(createSyncInspectorViewModel({ engine: alice.engine, sync: alice.store.sync }));
    expect(vm.get().status.running).toBe(true);

    alice.remote.setOnline(false);
    await until(vm, (s) => !s.status.online);
    await seedUsers(alice, ['alice']);
    await until(vm, (s) => s.status.pendingCount === 1);

    alice.remote.setOnline(true);
    await vm.forceSync();
    const state = await until(vm, (s) => s.status.pendingCount === 0 && s.busy === null);
    expect(state.notice).toBe('Sync finished');
    expect(state.cachedRows).toBe(1);
    expect(state.log[0]?.seq).toBeGreaterThan(state.log.at(-1)?.seq ?? Infinity);
    expect(state.log.map((e) => e.type)).toEqual(expect.arrayContaining(['offline', 'online', 'sync-succeeded']));
  });

  it('lists quarantined documents and reports what Clear cache removed', async () => {
    world = createWorld();
    const alice = await world.device('alice');
    await seedUsers(alice, ['alice']);
    const conversationId = (await alice.repositories.conversations.createDirectConversation('alice', 'bob')).id;
    await alice.repositories.messages.sendMessage({ conversationId, text: 'hello', senderId: 'alice' });
    await alice.engine.whenIdle();
    const vm = track(createSyncInspectorViewModel({ engine: alice.engine, sync: alice.store.sync }));

    world.backend.injectRaw('conversations/direct_alice_bob/messages/broken', { conversationId, senderId: 'bob', text: 42, readBy: [], deliveredTo: [] });
    const quarantined = await until(vm, (s) => s.quarantine.length === 1);
    expect(quarantined.quarantine[0]).toMatchObject({ collection: 'messages', path: 'conversations/direct_alice_bob/messages/broken' });
    expect(quarantined.status.quarantinedCount).toBe(1);

    await vm.clearCache();
    expect(vm.get().notice).toBe('Removed 1 cached row');
    expect(await alice.repositories.messages.readAll()).toEqual([]);
  });

  it(`keeps at most ${INSPECTOR_LOG_SIZE} log events`, async () => {
    world = createWorld();
    const alice = await world.device('alice');
    const vm = track(createSyncInspectorViewModel({ engine: alice.engine, sync: alice.store.sync }));
    for (let i = 0; i < 2 * INSPECTOR_LOG_SIZE; i++) {
      alice.remote.setOnline(i % 2 === 1);
    }
    alice.remote.setOnline(true);
    await until(vm, (s) => s.log.length === INSPECTOR_LOG_SIZE);
    const seqs = vm.get().log.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
  });
});
