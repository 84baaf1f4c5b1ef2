import { afterEach, describe, expect, it } from 'vitest';
import { createChatViewModel } from '../../src/view-models/index.js';
import type { ChatViewModel } from '../../src/view-models/index.js';
import { createWorld, seedUsers, until } from './fixture.js';
import type { World } from './fixture.js';

let world: World;
const disposers: (() => void)[] = [];

function track(vm: ChatViewModel): ChatViewModel {
  disposers.push(() => vm.dispose());
  return vm;
}

afterEach(async () => {
  while (disposers.length > 0) disposers.pop()?.();
  await world.close();
});

const texts = (vm: ChatViewModel): string[] => vm.get().messages.map((m) => m.text);

describe('ChatViewModel', () => {
  it('shows a sent message at once as sending, then sent, then read once the other side has it open', async () => {
    world = createWorld();
    const alice = await world.device('alice');
    const bob = await world.device('bob');
    await seedUsers(alice, ['alice']);
    await seedUsers(bob, ['bob']);
    const conversationId = (await alice.repositories.conversations.createDirectConversation('alice', 'bob')).id;
    await alice.engine.whenIdle();

    const aliceChat = track(createChatViewModel({ repositories: alice.repositories, conversationId, me: { id: 'alice', name: 'Alice' } }));
    await until(aliceChat, (s) => s.status === 'ready');
    alice.remote.setOnline(false);
    await aliceChat.send('  hello Bob  ');
    const sending = await until(aliceChat, (s) => s.messages.length === 1);
    expect(sending.messages[0]).toMatchObject({ text: 'hello Bob', senderId: 'alice', status: 'sending' });
    expect(sending.title).toBe('Bob');

    alice.remote.setOnline(true);
    await until(aliceChat, (s) => s.messages[0]?.status === 'sent');

    const bobChat = track(createChatViewModel({ repositories: bob.repositories, conversationId, me: { id: 'bob', name: 'Bob' } }));
    await until(bobChat, (s) => s.messages.length === 1);
    expect(bobChat.get().messages[0]?.readBy).toEqual(['alice']);
    bobChat.setVisible(true);
    await until(aliceChat, (s) => s.messages[0]?.status === 'read');
    expect(aliceChat.get().members.map((m) => m.name)).toEqual(['Bob']);
  });

  it('shows each sender under their profile name, and a rename everywhere, never a name a message carries', async () => {
    world = createWorld();
    const alice = await world.device('alice');
    const bob = await world.device('bob');
    await seedUsers(alice, ['alice']);
    await seedUsers(bob, ['bob']);
    const conversationId = (await bob.repositories.conversations.createDirectConversation('bob', 'alice')).id;
    await bob.repositories.messages.sendMessage({ conversationId, text: 'hi', senderId: 'bob', senderName: 'The Boss' });
    const aliceChat = track(createChatViewModel({ repositories: alice.repositories, conversationId, me: { id: 'alice', name: 'Alice' } }));
    await until(aliceChat, (s) => s.senderNames['bob'] === 'Bob' && s.messages.length === 1);
    expect(aliceChat.get().messages[0]).not.toHaveProperty('senderName');
    await bob.repositories.users.updateProfile('bob', { displayName: 'Robert' });
    const renamed = await until(aliceChat, (s) => s.senderNames['bob'] === 'Robert');
    expect(renamed.title).toBe('Robert');
    expect(renamed.members.map((m) => m.name)).toEqual(['Robert']);
  });

  it('ignores blank text and reports a send to an unknown conversation as an error', async () => {
    world = createWorld();
    const alice = await world.device('alice', { sync: false });
    const vm = track(createChatViewModel({ repositories: alice.repositories, conversationId: 'nope', me: { id: 'alice', name: 'Alice' } }));
    expect((await until(vm, (s) => s.status !== 'loading')).status).toBe('missing');
    await vm.send('   ');
    await expect(vm.send('hi')).rejects.toMatchObject({ kind: 'not-found' });
    expect(vm.get().error).toMatch(/does not exist/);
    expect(await alice.repositories.messages.readAll()).toEqual([]);
  });

  it('pages older history with getMessagesBefore, without gaps or repeats, while new messages arrive', async () => {
    world = createWorld();
    const alice = await world.device('alice', { sync: false });
    const conversationId = (await alice.repositories.conversations.createDirectConversation('alice', 'bob')).id;
    for (let i = 1; i <= 7; i++) {
      world.advance();
      await alice.repositories.messages.sendMessage({ conversationId, text: `m${i}`, senderId: 'alice' });
    }
    const vm = track(createChatViewModel({ repositories: alice.repositories, conversationId, me: { id: 'alice', name: 'Alice' }, pageSize: 3 }));
    await until(vm, (s) => s.messages.length === 3);
    expect(texts(vm)).toEqual(['m5', 'm6', 'm7']);
    expect(vm.get().hasOlder).toBe(true);

    world.advance();
    await vm.send('m8');
    await until(vm, (s) => s.messages.at(-1)?.text === 'm8');
    expect(texts(vm)).toEqual(['m5', 'm6', 'm7', 'm8']);

    expect(await vm.loadOlder()).toBe(3);
    expect(texts(vm)).toEqual(['m2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8']);
    expect(vm.get().hasOlder).toBe(true);
    expect(await vm.loadOlder()).toBe(1);
    expect(texts(vm)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8']);
    expect(vm.get().hasOlder).toBe(false);
    expect(vm.get().loadingOlder).toBe(false);
    expect(await vm.loadOlder()).toBe(0);
  });

  async function failedSend() {
    world = createWorld();
    const alice = await world.device('alice');
    await seedUsers(alice, ['alice']);
    const conversationId = (await alice.repositories.conversations.createDirectConversation('alice', 'bob')).id;
    await alice.engine.whenIdle();
    const vm = track(createChatViewModel({ repositories: alice.repositories, conversationId, me: { id: 'alice', name: 'Alice' }, writes: alice.engine }));
    // The send is one batch (message + conversation preview), bisected after a non-retryable error: 3 writes.
    alice.remote.failNextWrites(3, 'permission-denied');
    await vm.send('rejected once');
    const failed = await until(vm, (s) => s.messages[0]?.status === 'failed');
    return { alice, conversationId, vm, messageId: failed.messages[0]!.id };
  }
  const server = (path: string) => world.backend.documents().find((d) => d.path === path);

  it('marks a failed send failed; Retry pushes the message and its preview again', async () => {
    const { alice, conversationId, vm, messageId } = await failedSend();
    expect(await alice.engine.failedWrites.get()).toHaveLength(2);
    await vm.retry(messageId);
    await until(vm, (s) => s.messages[0]?.status === 'sent');
    await alice.engine.whenIdle();
    expect(server(`conversations/${conversationId}/messages/${messageId}`)?.data['text']).toBe('rejected once');
    expect(server(`conversations/${conversationId}`)?.data['lastMessage']).toMatchObject({ text: 'rejected once', senderId: 'alice' });
    expect(await alice.engine.failedWrites.get()).toEqual([]);
  });

  it("Discard removes the failed message and brings the server's preview back", async () => {
    const { alice, conversationId, vm, messageId } = await failedSend();
    await vm.discard(messageId);
    await until(vm, (s) => s.messages.length === 0);
    expect(await alice.repositories.messages.readAll()).toEqual([]);
    const conversation = await alice.repositories.conversations.read(conversationId);
    expect(conversation?.lastMessage).toBeUndefined();
    expect(conversation?.syncStatus).toBe('synced');
    expect(await alice.engine.failedWrites.get()).toEqual([]);
    expect(await alice.store.sync.listOutbox()).toEqual([]);
  });

  it('Retry of a message without a failed write is refused and shown as the error', async () => {
    const { vm, messageId } = await failedSend();
    await vm.discard(messageId);
    await expect(vm.retry(messageId)).rejects.toMatchObject({ kind: 'not-found' });
    expect(vm.get().error).toMatch(/no failed write/);
  });
});
