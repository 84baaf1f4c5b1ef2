import { afterEach, describe, expect, it } from 'vitest';
import { createConversationListViewModel } from '../../src/view-models/index.js';
import type { ConversationListViewModel } from '../../src/view-models/index.js';
import { createWorld, seedUsers, until } from './fixture.js';
import type { World } from './fixture.js';

let world: World;
const disposers: (() => void)[] = [];

function track(vm: ConversationListViewModel): ConversationListViewModel {
  disposers.push(() => vm.dispose());
  return vm;
}

afterEach(async () => {
  while (disposers.length > 0) disposers.pop()?.();
  await world.close();
});

describe('ConversationListViewModel', () => {
  it('starts loading, then lists conversations latest first with last message, sender, peer presence and unread count', async () => {
    world = createWorld();
    const alice = await world.device('alice', { sync: false });
    await seedUsers(alice, ['alice', 'bob', 'carol']);
    const vm = track(createConversationListViewModel({ repositories: alice.repositories, userId: 'alice', markDelivered: false }));
    expect(vm.get().status).toBe('loading');

    const withBob = await vm.startDirectConversation('bob');
    world.advance();
    const group = await vm.startGroupConversation(['bob', 'carol'], '  Weekend  ');
    world.advance();
    await alice.repositories.messages.sendMessage({ conversationId: withBob, text: 'hi Bob', senderId: 'alice' });

    const state = await until(vm, (s) => s.conversations[0]?.lastMessageText === 'hi Bob');
    expect(state.status).toBe('ready');
    expect(state.conversations.map((c) => [c.id, c.title, c.type, c.memberCount])).toEqual([
      [withBob, 'Bob', 'direct', 2],
      [group, 'Weekend', 'group', 1],
    ]);
    expect(state.conversations[0]).toMatchObject({ lastMessageSender: 'You', unreadCount: 0, pending: true, peer: { id: 'bob', name: 'Bob', isOnline: true } });
    expect(state.conversations[1]?.peer).toBeNull();
    expect(state.contacts.map((p) => p.name)).toEqual(['Bob', 'Carol']);
  });

  it("counts and marks delivered the other user's messages once they sync in", async () => {
    world = createWorld();
    const alice = await world.device('alice');
    const bob = await world.device('bob');
    await seedUsers(alice, ['alice']);
    await seedUsers(bob, ['bob']);
    const conversationId = (await alice.repositories.conversations.createDirectConversation('alice', 'bob')).id;
    await alice.repositories.messages.sendMessage({ conversationId, text: 'one', senderId: 'alice' });
    world.advance();
    await alice.repositories.messages.sendMessage({ conversationId, text: 'two', senderId: 'alice' });

    const bobList = track(createConversationListViewModel({ repositories: bob.repositories, userId: 'bob' }));
    const state = await until(bobList, (s) => s.conversations[0]?.unreadCount === 2);
    expect(state.conversations[0]).toMatchObject({ title: 'Alice', lastMessageText: 'two', lastMessageSender: 'Alice' });

    // Bob's device marked them delivered; Alice's copies say so once that syncs back.
    await expectEventually(async () => {
      const mine = await alice.repositories.messages.getMessages(conversationId, 10);
      return mine.map((m) => m.status).join(',') === 'delivered,delivered';
    });
  });

  it('an invited user sees the invitation, joins, and the group moves to their list', async () => {
    world = createWorld();
    const alice = await world.device('alice');
    const bob = await world.device('bob');
    await seedUsers(alice, ['alice']);
    await seedUsers(bob, ['bob']);
    const aliceList = track(createConversationListViewModel({ repositories: alice.repositories, userId: 'alice', markDelivered: false }));
    const group = await aliceList.startGroupConversation(['bob'], 'Plans');
    await alice.repositories.messages.sendMessage({ conversationId: group, text: 'welcome', senderId: 'alice' });

    const bobList = track(createConversationListViewModel({ repositories: bob.repositories, userId: 'bob' }));
    const invited = await until(bobList, (s) => s.invitations.length === 1);
    expect(invited.invitations[0]).toMatchObject({ id: group, title: 'Plans', members: ['Alice'] });
    expect(invited.conversations).toEqual([]);
    expect(await bob.repositories.messages.getMessages(group, 10)).toEqual([]);

    await bobList.acceptInvitation(group);
    const joined = await until(bobList, (s) => s.conversations[0]?.lastMessageText === 'welcome');
    expect(joined.invitations).toEqual([]);
    expect(joined.conversations[0]).toMatchObject({ id: group, memberCount: 2, lastMessageSender: 'Alice' });
    await until(aliceList, (s) => s.conversations[0]?.memberCount === 2);
  });

  it('shows names from the profiles: a rename shows in the list at once', async () => {
    world = createWorld();
    const alice = await world.device('alice');
    const bob = await world.device('bob');
    await seedUsers(alice, ['alice']);
    await seedUsers(bob, ['bob']);
    const conversationId = (await bob.repositories.conversations.createDirectConversation('bob', 'alice')).id;
    await bob.repositories.messages.sendMessage({ conversationId, text: 'hi', senderId: 'bob' });
    const aliceList = track(createConversationListViewModel({ repositories: alice.repositories, userId: 'alice', markDelivered: false }));
    await until(aliceList, (s) => s.conversations[0]?.title === 'Bob' && s.conversations[0].lastMessageSender === 'Bob');
    await bob.repositories.users.updateProfile('bob', { displayName: 'Robert' });
    const renamed = await until(aliceList, (s) => s.conversations[0]?.title === 'Robert');
    expect(renamed.conversations[0]).toMatchObject({ lastMessageSender: 'Robert', peer: { name: 'Robert' } });
  });

  it('rejects invalid new conversations and writes nothing', async () => {
    world = createWorld();
    const alice = await world.device('alice', { sync: false });
    const vm = track(createConversationListViewModel({ repositories: alice.repositories, userId: 'alice' }));
    await expect(vm.startDirectConversation('alice')).rejects.toMatchObject({ kind: 'validation' });
    await expect(vm.startGroupConversation([])).rejects.toMatchObject({ kind: 'validation' });
    expect(await alice.repositories.conversations.readAll()).toEqual([]);
  });
});

async function expectEventually(check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
