import { afterEach, describe, expect, it } from 'vitest';
import type { EngineStatus } from 'localfire';
import { describeSyncStatus, inspectorRows } from '../../src/view-models/index.js';
import { createWorld, seedUsers } from './fixture.js';
import type { World } from './fixture.js';

let world: World;
afterEach(async () => {
  await world.close();
});

const hhmm = (ms: number): string => new Date(ms).toISOString().slice(11, 16);

describe('sync status view: the badge, the banner and the waiting pill say what the library says', () => {
  it("says \"Can't reach the server\" while the server is unreachable although the browser says online; \"Up to date\" only in phase up-to-date", async () => {
    world = createWorld();
    const alice = await world.device('alice');
    await alice.engine.whenSynced();
    const synced = alice.engine.status.get();
    expect(describeSyncStatus(synced, { forcedOffline: false })).toMatchObject({ state: 'up-to-date', label: 'Up to date', banner: null });

    const unreachable: EngineStatus = { ...synced, online: false, phase: 'offline', connection: { name: 'offline', reason: 'server-unreachable', since: 0, lastAnswerAt: 0 } };
    const view = describeSyncStatus(unreachable, { forcedOffline: false });
    expect(view.label).toBe("Can't reach the server");
    expect(view.banner).toMatch(/^Can't reach the server/);

    // Every phase but up-to-date: never "Up to date", whatever the counters say.
    for (const phase of ['syncing', 'connecting', 'degraded', 'failed', 'offline', 'stopped'] as const) {
      expect(describeSyncStatus({ ...synced, phase }, { forcedOffline: false }).label).not.toBe('Up to date');
    }
    const degraded: EngineStatus = { ...synced, phase: 'degraded', connection: { name: 'degraded', since: Date.UTC(2024, 0, 1, 9, 30), lastAnswerAt: 0, behindScopes: 2 } };
    expect(describeSyncStatus(degraded, { forcedOffline: false, clock: hhmm }).banner).toBe('Updates from others are delayed since 09:30. Your messages are still being sent.');
    expect(describeSyncStatus({ ...synced, phase: 'offline', connection: { name: 'offline', reason: 'network-disabled', since: 0, lastAnswerAt: null } }, { forcedOffline: true }).label).toBe('Offline (switched off)');
  });

  it('counts waiting messages (rows), not outbox entries', async () => {
    world = createWorld();
    const alice = await world.device('alice');
    await seedUsers(alice, ['alice', 'bob']);
    const conversationId = (await alice.repositories.conversations.createDirectConversation('alice', 'bob')).id;
    await alice.engine.whenSynced();
    alice.remote.setOnline(false);
    for (const text of ['one', 'two', 'three']) await alice.repositories.messages.sendMessage({ conversationId, text, senderId: 'alice', senderName: 'Alice' });
    await alice.engine.whenIdle();
    const status = alice.engine.status.get();
    expect(status.pendingEntries).toBeGreaterThan(3);
    const view = describeSyncStatus(status, { forcedOffline: true });
    expect(view).toMatchObject({ state: 'offline', label: 'Offline (switched off)', waitingMessages: 3 });
    const rows = Object.fromEntries(inspectorRows(status, hhmm).map(([, value, id]) => [id, value]));
    expect(rows['connection']).toBe('offline (network-disabled)');
    expect(rows['pending']).toBe(String(status.pendingCount));
    expect(rows['pending-entries']).toBe(String(status.pendingEntries));
  });
});
