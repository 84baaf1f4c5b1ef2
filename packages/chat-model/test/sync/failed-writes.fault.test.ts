// A failed write never blocks its document for good, over the Firestore emulator with the chat
// rules: a rename the server refused is superseded by the next rename; another one is discarded
// and the server's name comes back.
import { afterEach, describe, expect, it } from 'vitest';
import { doc, getDoc } from 'firebase/firestore';
import { createTestProject, readChatRules } from '../../../../test-support/firestore.js';
import type { TestProject } from '../../../../test-support/firestore.js';
import { tempDir } from '../helpers.js';
import { drained, openDevice, profile, until } from './devices.js';
import type { ChatDevice } from './devices.js';

/** Everything readable, nothing writable: a push is refused with permission-denied (not retried). */
const READ_ONLY_RULES = `rules_version = '2';
service cloud.firestore {
  match /databases/{database}/documents {
    match /{document=**} {
      allow read: if true;
      allow write: if false;
    }
  }
}
`;

describe('failed writes over the Firestore emulator', { timeout: 120_000 }, () => {
  let project: TestProject;
  let dir: ReturnType<typeof tempDir>;
  const devices: ChatDevice[] = [];

  afterEach(async () => {
    for (const d of devices.splice(0)) await d.close();
    await project.dispose();
    dir.cleanup();
  });

  it('a refused rename is superseded by the next one; a discarded one brings the server name back', async () => {
    project = await createTestProject({ label: 'failed-writes' });
    dir = tempDir();
    const alice = await openDevice({ projectId: project.projectId, userId: 'alice', filename: `${dir.dir}/alice.db` });
    const bob = await openDevice({ projectId: project.projectId, userId: 'bob', filename: `${dir.dir}/bob.db` });
    devices.push(alice, bob);
    await alice.users.create(profile('alice'));
    await bob.users.create(profile('bob'));
    const group = await alice.conversations.createGroupConversation('alice', ['alice', 'bob'], 'Team');
    await until(async () => (await bob.conversations.read(group.id))?.groupName === 'Team', 'bob to have the group');
    await drained(alice);
    const ref = { collection: 'conversations', id: group.id };
    const failed = () => until(async () => (await alice.conversations.read(group.id))?.syncStatus === 'failed', 'the rename to fail');

    await project.setRules(READ_ONLY_RULES);
    await alice.conversations.update(group.id, { groupName: 'Refused name' });
    await failed();
    expect(await alice.engine.failedWrites.get()).toMatchObject([{ ...ref, error: { kind: 'permission-denied' }, waiting: 0 }]);
    await project.setRules(readChatRules());
    // Superseded at once: the failed rename is dropped, the document is no longer blocked.
    expect((await alice.conversations.update(group.id, { groupName: 'Final name' })).syncStatus).toBe('pending');
    expect(await alice.engine.failedWrites.get()).toEqual([]);
    await until(async () => (await bob.conversations.read(group.id))?.groupName === 'Final name', 'bob to see the later rename');
    await drained(alice);
    expect(await alice.engine.failedWrites.get()).toEqual([]);

    await project.setRules(READ_ONLY_RULES);
    await alice.conversations.update(group.id, { groupName: 'Discarded name' });
    await failed();
    await project.setRules(readChatRules());
    expect(await alice.engine.discard(ref)).toEqual({ discarded: 1, row: 'restored' });
    expect(await alice.conversations.read(group.id)).toMatchObject({ groupName: 'Final name', syncStatus: 'synced' });
    await drained(alice);
    const server = await getDoc(doc(project.connectAdmin(), `conversations/${group.id}`));
    expect(server.data()?.['groupName']).toBe('Final name');
    expect((await bob.conversations.read(group.id))?.groupName).toBe('Final name');
  });
});
