// A member removed from a group while their device was closed, or offline, drops the group and
// its messages when the device comes back (the conversations scope is field-filtered: the
// resumed listener no longer matches the group, so only the engine's reconcile finds it).
// Over the emulator, chat rules enforced, at the shipped defaults.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestProject } from '../../../../test-support/firestore.js';
import type { TestProject } from '../../../../test-support/firestore.js';
import { tempDir } from '../helpers.js';
import { conversations, messages } from '../../src/index.js';
import { drained, openDevice, profile, until, warmUpEmulator } from './devices.js';
import type { ChatDevice } from './devices.js';

describe('removed from a group while away', { timeout: 180_000 }, () => {
  beforeAll(warmUpEmulator);
  let project: TestProject;
  let dir: ReturnType<typeof tempDir>;
  const devices: ChatDevice[] = [];

  afterEach(async () => {
    for (const d of devices.splice(0)) await d.close();
    await project.dispose();
    dir.cleanup();
  });

  /** Alice's group with Bob in it (invited, accepted) and two messages Bob has. */
  async function groupWithBob(label: string): Promise<{ alice: ChatDevice; bob: ChatDevice; groupId: string; open: (userId: string) => Promise<ChatDevice> }> {
    project = await createTestProject({ label });
    dir = tempDir();
    const open = async (userId: string) => {
      const device = await openDevice({ projectId: project.projectId, userId, filename: `${dir.dir}/${userId}.db` });
      devices.push(device);
      return device;
    };
    const alice = await open('alice');
    const bob = await open('bob');
    await alice.users.create(profile('alice'));
    await bob.users.create(profile('bob'));
    const group = await alice.conversations.createGroupConversation('alice', ['bob'], 'Book club');
    await drained(alice);
    await until(async () => (await bob.conversations.observeInvitations('bob').get()).some((c) => c.id === group.id), "bob's invitation");
    await bob.conversations.acceptInvitation(group.id, 'bob');
    await drained(bob);
    for (const text of ['one', 'two']) await alice.messages.sendMessage({ conversationId: group.id, text, senderId: 'alice' });
    await until(async () => (await bob.store.repo(messages).query({ where: { conversationId: group.id } })).length === 2, "bob's copy of the messages");
    return { alice, bob, groupId: group.id, open };
  }

  /** What the server refused, but for the group's messages listener: refused once Bob is out, until the scope closes. */
  const otherRefusals = (device: ChatDevice, groupId: string) =>
    device.refusals().filter((e) => !(e.type === 'subscription-failed' && e.scope.includes(groupId) && e.error.kind === 'permission-denied'));
  const hasGroup = async (device: ChatDevice, groupId: string) => (await device.store.repo(conversations).read(groupId)) !== undefined;
  const messageCount = async (device: ChatDevice, groupId: string) => (await device.store.repo(messages).query({ where: { conversationId: groupId } })).length;

  it('while the device was closed: on reopen the group and its messages are gone', async () => {
    const { alice, bob, groupId, open } = await groupWithBob('removed-while-closed');
    await bob.close();
    await alice.conversations.removeParticipant(groupId, 'alice', 'bob');
    await drained(alice);

    const reopened = await open('bob');
    await until(async () => !(await hasGroup(reopened, groupId)), 'the group dropped on reopen');
    await until(async () => (await messageCount(reopened, groupId)) === 0, "the group's messages dropped");
    expect(reopened.engine.log.entries().some((e) => e.type === 'scope-reconciled')).toBe(true);
    expect(otherRefusals(reopened, groupId)).toEqual([]);
  });

  it('while the device was offline: back online, the group and its messages are gone', async () => {
    const { alice, bob, groupId } = await groupWithBob('removed-while-offline');
    await bob.offline();
    await alice.conversations.removeParticipant(groupId, 'alice', 'bob');
    await drained(alice);
    await bob.online();
    await until(async () => !(await hasGroup(bob, groupId)), 'the group dropped once online');
    await until(async () => (await messageCount(bob, groupId)) === 0, "the group's messages dropped");
    expect(otherRefusals(bob, groupId)).toEqual([]);
  });
});
