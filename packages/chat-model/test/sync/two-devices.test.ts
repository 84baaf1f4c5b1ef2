// Two signed-in devices syncing the chat domain through the Firestore emulator, rules enforced.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Firestore } from 'firebase/firestore';
import { createTestProject } from '../../../../test-support/firestore.js';
import type { TestProject } from '../../../../test-support/firestore.js';
import { tempDir } from '../helpers.js';
import type { Message } from '../../src/index.js';
import { drained, openDevice, profile, until, warmUpEmulator } from './devices.js';
import type { ChatDevice } from './devices.js';
import { inScope, readLocal, readServer, unsyncedRows } from './server-state.js';

// Emulator round trips on a loaded 2-core machine: generous limits (no timing is asserted).
describe('chat sync over the Firestore emulator', { timeout: 120_000 }, () => {
  beforeAll(warmUpEmulator);
  let project: TestProject;
  let dir: ReturnType<typeof tempDir>;
  const devices: ChatDevice[] = [];

  const setup = async (label: string): Promise<{ alice: ChatDevice; bob: ChatDevice; admin: Firestore }> => {
    project = await createTestProject({ label });
    dir = tempDir();
    const alice = await openDevice({ projectId: project.projectId, userId: 'alice', filename: `${dir.dir}/alice.db` });
    const bob = await openDevice({ projectId: project.projectId, userId: 'bob', filename: `${dir.dir}/bob.db` });
    devices.push(alice, bob);
    await alice.users.create(profile('alice'));
    await bob.users.create(profile('bob'));
    return { alice, bob, admin: project.connectAdmin() };
  };

  afterEach(async () => {
    for (const d of devices.splice(0)) await d.close();
    await project.dispose();
    dir.cleanup();
  });

  it('A sends, B observes it; B reads it, A sees the receipt', async () => {
    const { alice, bob, admin } = await setup('sync-two-devices');
    const conversation = await alice.conversations.createDirectConversation('alice', 'bob');

    const onB: Message[][] = [];
    const stopB = bob.messages.observeMessages(conversation.id).subscribe((m) => onB.push(m));
    const onA: Message[][] = [];
    const stopA = alice.messages.observeMessages(conversation.id).subscribe((m) => onA.push(m));

    const sent = await alice.messages.sendMessage({ conversationId: conversation.id, text: 'hi Bob', senderId: 'alice' });
    expect(sent.status).toBe('sending');
    await until(() => onB.at(-1)?.some((m) => m.id === sent.id) === true, "bob's observeMessages to show alice's message");
    const received = onB.at(-1)!.find((m) => m.id === sent.id)!;
    expect(received).toMatchObject({ text: 'hi Bob', senderId: 'alice', conversationId: conversation.id, status: 'sent', syncStatus: 'synced' });
    await until(() => onA.at(-1)?.find((m) => m.id === sent.id)?.status === 'sent', "alice's message to be acknowledged");

    await bob.messages.markMessagesAsRead([sent.id], 'bob');
    await until(() => onA.at(-1)?.find((m) => m.id === sent.id)?.status === 'read', 'alice to see the read receipt');
    stopA();
    stopB();
    expect(onA.at(-1)!.find((m) => m.id === sent.id)!.readBy.slice().sort()).toEqual(['alice', 'bob']);

    // The statuses alice saw only moved forward.
    const order = ['sending', 'sent', 'delivered', 'read'];
    const seen = onA.map((list) => list.find((m) => m.id === sent.id)?.status).filter((s) => s !== undefined).map((s) => order.indexOf(s));
    expect(seen).toEqual([...seen].sort((x, y) => x - y));

    await drained(alice);
    await drained(bob);
    const server = await readServer(admin);
    for (const device of [alice, bob]) {
      await until(async () => JSON.stringify(await readLocal(device.store)) === JSON.stringify(inScope(server, device.userId)), `${device.userId} to equal the server`);
      expect(await readLocal(device.store)).toEqual(inScope(server, device.userId));
      expect(await unsyncedRows(device.store)).toEqual([]);
      // The rules allow everything the engine does: no refused write or listener.
      expect(device.refusals()).toEqual([]);
    }
    // Each device pulled the other's profile through the users scope.
    expect((await bob.users.read('alice'))?.displayName).toBe('Alice');
  });

  it('offline: 20 messages sent offline show as sending, then reach B once each, in order', async () => {
    const { alice, bob, admin } = await setup('sync-offline');
    const conversation = await alice.conversations.createDirectConversation('alice', 'bob');
    await until(async () => (await bob.conversations.read(conversation.id)) !== undefined, 'bob to pull the conversation');

    await alice.offline();
    await until(() => !alice.engine.status.get().online, "alice's engine to see offline");

    const onB: Message[][] = [];
    const stopB = bob.messages.observeMessages(conversation.id).subscribe((m) => onB.push(m));
    const sentIds: string[] = [];
    for (let i = 0; i < 20; i++) {
      const m = await alice.messages.sendMessage({ conversationId: conversation.id, text: `offline ${i}`, senderId: 'alice' });
      sentIds.push(m.id);
    }
    const local = await alice.messages.getMessages(conversation.id, 50);
    expect(local.map((m) => m.id)).toEqual(sentIds);
    expect(new Set(local.map((m) => m.status))).toEqual(new Set(['sending']));
    expect(alice.engine.status.get()).toMatchObject({ online: false });
    expect((await alice.store.sync.outboxStats()).pending).toBeGreaterThanOrEqual(20);
    // Nothing left the device while it was offline.
    await new Promise((r) => setTimeout(r, 300));
    expect((await readServer(admin)).messages).toEqual([]);

    await alice.online();
    await until(() => onB.at(-1)?.length === 20, 'bob to receive the 20 messages');
    stopB();

    expect(onB.at(-1)!.map((m) => m.id)).toEqual(sentIds);
    for (const list of onB) expect(new Set(list.map((m) => m.id)).size).toBe(list.length);
    // First arrival order on B follows the send order.
    const firstSeen: string[] = [];
    for (const list of onB) for (const m of list) if (!firstSeen.includes(m.id)) firstSeen.push(m.id);
    expect(firstSeen).toEqual(sentIds);

    await drained(alice);
    await until(async () => (await alice.messages.getMessages(conversation.id, 50)).every((m) => m.status === 'sent'), "alice's messages to be sent");
    const server = await readServer(admin);
    expect(server.messages.map((m) => m.id)).toEqual([...sentIds].sort());
    expect(server.messages.filter((m) => String(m['text']).startsWith('offline ')).length).toBe(20);
    for (const device of [alice, bob]) {
      await until(async () => JSON.stringify(await readLocal(device.store)) === JSON.stringify(inScope(server, device.userId)), `${device.userId} to equal the server`);
    }
  });

  it('both create their direct conversation offline and send: one conversation, both messages, nothing refused', async () => {
    const { alice, bob, admin } = await setup('sync-direct-offline');
    await alice.offline();
    await bob.offline();
    await until(() => !alice.engine.status.get().online && !bob.engine.status.get().online, 'both engines to see offline');
    const onAlice = await alice.conversations.createDirectConversation('alice', 'bob');
    const onBob = await bob.conversations.createDirectConversation('bob', 'alice');
    expect(onAlice.id).toBe(onBob.id);
    const fromAlice = await alice.messages.sendMessage({ conversationId: onAlice.id, text: 'hi Bob (offline)', senderId: 'alice' });
    const fromBob = await bob.messages.sendMessage({ conversationId: onBob.id, text: 'hi Alice (offline)', senderId: 'bob' });
    await alice.online();
    await bob.online();
    await drained(alice);
    await drained(bob);
    const server = await readServer(admin);
    expect(server.conversations.map((c) => [c.id, c['participantIds']])).toEqual([[onAlice.id, ['alice', 'bob']]]);
    for (const device of [alice, bob]) {
      await until(async () => (await device.messages.getMessages(onAlice.id, 10)).length === 2, `${device.userId} to hold both messages`);
      expect((await device.messages.getMessages(onAlice.id, 10)).map((m) => m.id).sort()).toEqual([fromAlice.id, fromBob.id].sort());
      await until(async () => JSON.stringify(await readLocal(device.store)) === JSON.stringify(inScope(server, device.userId)), `${device.userId} to equal the server`);
      expect(device.refusals()).toEqual([]);
    }
  });

  it('a group grows by consent: the invitee sees the invitation, accepts, then reads and sends', async () => {
    const { alice, bob, admin } = await setup('sync-invitation');
    const group = await alice.conversations.createGroupConversation('alice', ['bob'], 'Plans');
    const secret = await alice.messages.sendMessage({ conversationId: group.id, text: 'before bob joins', senderId: 'alice' });
    await until(async () => (await bob.conversations.observeInvitations('bob').get()).some((c) => c.id === group.id), 'bob to see the invitation');
    expect(await bob.messages.read(secret.id)).toBeUndefined();
    await bob.conversations.acceptInvitation(group.id, 'bob');
    await until(async () => (await bob.messages.read(secret.id)) !== undefined, "bob to read the group's messages once a member");
    await bob.messages.sendMessage({ conversationId: group.id, text: 'hello all', senderId: 'bob' });
    await drained(alice);
    await drained(bob);
    await until(async () => (await alice.messages.getMessages(group.id, 10)).length === 2, 'alice to receive bob’s message');
    const server = await readServer(admin);
    expect(server.conversations.find((c) => c.id === group.id)).toMatchObject({ participantIds: ['alice', 'bob'], invitedIds: [] });
    for (const device of [alice, bob]) expect(device.refusals()).toEqual([]);
  });
});
