// Crash points over the Firestore emulator: drop the engine at a crash point, reopen the same
// SQLite file, and check that nothing was lost, nothing duplicated, and local equals server.
import type { Firestore } from 'firebase/firestore';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestProject } from '../../../../test-support/firestore.js';
import type { TestProject } from '../../../../test-support/firestore.js';
import { tempDir } from '../helpers.js';
import { crashAfterRemoteAck, crashWhileApplying } from './crash-points.js';
import { drained, openDevice, profile, until, warmUpEmulator } from './devices.js';
import type { ChatDevice, OpenDeviceOptions } from './devices.js';
import { diffStates, inScope, readLocal, readServer, unsyncedRows } from './server-state.js';

describe('crash points over the Firestore emulator', { timeout: 120_000 }, () => {
  let project: TestProject;
  let dir: ReturnType<typeof tempDir>;
  let admin: Firestore;
  const open: ChatDevice[] = [];

  beforeAll(warmUpEmulator);
  afterEach(async () => {
    for (const d of open.splice(0)) await d.close();
    await project.dispose();
    dir.cleanup();
  });

  const device = async (userId: string, options: Partial<OpenDeviceOptions> = {}): Promise<ChatDevice> => {
    const d = await openDevice({ projectId: project.projectId, userId, filename: `${dir.dir}/${userId}.db`, ...options });
    open.push(d);
    return d;
  };

  /** alice and bob with profiles and their direct conversation, synced on both. */
  const setup = async (label: string): Promise<{ alice: ChatDevice; bob: ChatDevice; conversationId: string }> => {
    project = await createTestProject({ label });
    dir = tempDir();
    admin = project.connectAdmin();
    const alice = await device('alice');
    const bob = await device('bob');
    await alice.users.create(profile('alice'));
    await bob.users.create(profile('bob'));
    const { id } = await alice.conversations.createDirectConversation('alice', 'bob');
    await drained(alice);
    await until(async () => (await bob.conversations.read(id)) !== undefined, 'bob to pull the conversation');
    await drained(bob);
    return { alice, bob, conversationId: id };
  };

  const expectConverged = async (devices: readonly ChatDevice[]): Promise<void> => {
    const server = await readServer(admin);
    for (const d of devices) {
      await until(async () => JSON.stringify(await readLocal(d.store)) === JSON.stringify(inScope(server, d.userId)), `${d.userId} to equal the server`).catch(async (e: unknown) => {
        throw new Error(`${String(e)}\nlocal vs server:\n${diffStates(await readLocal(d.store), inScope(server, d.userId))}`);
      });
      expect(await readLocal(d.store)).toEqual(inScope(server, d.userId));
      expect(await unsyncedRows(d.store)).toEqual([]);
      // The rules allow everything the engine does: no refused write or listener.
      expect(d.refusals()).toEqual([]);
    }
  };

  it('after the remote acknowledged a batch, before the outbox entries were deleted', async () => {
    const { alice, bob, conversationId } = await setup('crash-after-ack');
    await alice.close();

    // alice restarts with a remote whose first acknowledgement is lost with the process.
    let crash!: ReturnType<typeof crashAfterRemoteAck>['crash'];
    const crashing = await device('alice', {
      start: false,
      wrapRemote: (remote) => {
        const c = crashAfterRemoteAck(remote);
        crash = c.crash;
        return c.remote;
      },
    });
    const texts = ['one', 'two', 'three'];
    const sent: string[] = [];
    for (const text of texts) sent.push((await crashing.messages.sendMessage({ conversationId, text, senderId: 'alice' })).id);
    await crashing.engine.start();
    const pushed = await crash.paths;
    await crashing.close();

    // The batch is on the server ...
    expect([...pushed]).toEqual(expect.arrayContaining(sent.map((id) => `conversations/${conversationId}/messages/${id}`)));
    expect((await readServer(admin)).messages.map((m) => m.id).sort()).toEqual([...sent].sort());

    // ... and still in the reopened device's outbox.
    const restarted = await device('alice', { start: false });
    const outbox = await restarted.store.sync.listOutbox();
    expect(outbox.map((e) => e.path)).toEqual(expect.arrayContaining([...pushed]));
    expect((await restarted.messages.getMessages(conversationId, 10)).map((m) => m.status)).toEqual(['sending', 'sending', 'sending']);

    await restarted.engine.start();
    await drained(restarted);
    await until(async () => (await restarted.messages.getMessages(conversationId, 10)).every((m) => m.status === 'sent'), 'the replayed messages to be sent');
    await until(async () => (await bob.messages.getMessages(conversationId, 10)).length === 3, 'bob to have the three messages');

    const server = await readServer(admin);
    expect(server.messages.map((m) => m['text']).sort()).toEqual([...texts].sort());
    expect((await bob.messages.getMessages(conversationId, 10)).map((m) => m.id)).toEqual(sent);
    await expectConverged([restarted, bob]);
  });

  it('in the middle of applying a pulled snapshot', async () => {
    const { alice, bob, conversationId } = await setup('crash-while-applying');
    await bob.close();

    const sent: string[] = [];
    for (let i = 0; i < 30; i++) sent.push((await alice.messages.sendMessage({ conversationId, text: `m${i}`, senderId: 'alice' })).id);
    await drained(alice);

    // bob comes back and dies after 10 of the 30 pulled messages were written in the batch's transaction.
    let crash!: ReturnType<typeof crashWhileApplying>['crash'];
    const crashing = await device('bob', {
      wrapStore: (store) => {
        const c = crashWhileApplying(store, 'messages', 10);
        crash = c.crash;
        return c.store;
      },
    });
    await crash.reached;
    await crashing.close();
    expect(crash.rowsWritten()).toBe(10);

    // Nothing of the interrupted batch is durable.
    const restarted = await device('bob', { start: false });
    expect(await restarted.messages.getMessages(conversationId, 50)).toEqual([]);

    await restarted.engine.start();
    await until(async () => (await restarted.messages.getMessages(conversationId, 50)).length === 30, 'bob to pull the 30 messages after the restart');
    await restarted.engine.whenIdle();
    expect((await restarted.messages.getMessages(conversationId, 50)).map((m) => m.id)).toEqual(sent);
    expect((await readServer(admin)).messages).toHaveLength(30);
    await expectConverged([alice, restarted]);
  });
});
