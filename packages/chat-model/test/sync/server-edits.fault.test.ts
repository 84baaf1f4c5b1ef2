// Server edits are authoritative: server code (the admin connection bypasses the rules, as the
// Admin SDK does) redacts a message and fixes a conversation's type, both immutable fields for
// clients; the edit reaches a device that is open and one that was closed at the time.
import { afterEach, describe, expect, it } from 'vitest';
import { doc, serverTimestamp, updateDoc } from 'firebase/firestore';
import { isLocalfireError } from 'localfire';
import { createTestProject } from '../../../../test-support/firestore.js';
import type { TestProject } from '../../../../test-support/firestore.js';
import { tempDir } from '../helpers.js';
import { drained, openDevice, profile, until } from './devices.js';
import type { ChatDevice } from './devices.js';

describe('server edits of immutable fields over the Firestore emulator', { timeout: 120_000 }, () => {
  let project: TestProject;
  let dir: ReturnType<typeof tempDir>;
  const devices: ChatDevice[] = [];

  afterEach(async () => {
    for (const d of devices.splice(0)) await d.close();
    await project.dispose();
    dir.cleanup();
  });

  it('a redacted message and a fixed conversation type reach an open device and a device opened afterwards', async () => {
    project = await createTestProject({ label: 'server-edits' });
    dir = tempDir();
    const open = async (userId: string) => {
      const d = await openDevice({ projectId: project.projectId, userId, filename: `${dir.dir}/${userId}.db` });
      devices.push(d);
      return d;
    };
    const alice = await open('alice');
    let bob = await open('bob');
    await alice.users.create(profile('alice'));
    await bob.users.create(profile('bob'));
    const conversation = await alice.conversations.createDirectConversation('alice', 'bob');
    const sent = await alice.messages.sendMessage({ conversationId: conversation.id, text: 'something rude', senderId: 'alice', senderName: 'Alice' });
    await until(async () => (await bob.messages.read(sent.id))?.text === 'something rude', 'bob to have the message');
    await drained(alice);
    await drained(bob);
    await bob.close();
    devices.splice(devices.indexOf(bob), 1);

    // A client may not make these changes: refused at once, nothing written.
    await expect(alice.messages.update(sent.id, { text: 'edited' })).rejects.toSatisfy((e) => isLocalfireError(e, 'precondition'));

    const admin = project.connectAdmin();
    await updateDoc(doc(admin, `conversations/${conversation.id}/messages/${sent.id}`), { text: '[removed by a moderator]', updatedAt: serverTimestamp() });
    await updateDoc(doc(admin, `conversations/${conversation.id}`), { type: 'group', updatedAt: serverTimestamp() });

    await until(async () => (await alice.messages.read(sent.id))?.text === '[removed by a moderator]', 'the open device to show the redaction');
    await until(async () => (await alice.conversations.read(conversation.id))?.type === 'group', 'the open device to show the fixed type');

    bob = await open('bob');
    await until(async () => (await bob.messages.read(sent.id))?.text === '[removed by a moderator]', 'the reopened device to show the redaction');
    await until(async () => (await bob.conversations.read(conversation.id))?.type === 'group', 'the reopened device to show the fixed type');
    for (const d of [alice, bob]) {
      expect((await d.messages.read(sent.id))?.syncStatus).toBe('synced');
      expect(d.refusals()).toEqual([]);
    }
  });
});
