import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { User } from '../src/index.js';
import { openChat, record, seedUsers, T0 } from './helpers.js';
import type { ChatFixture } from './helpers.js';

describe('UserRepository', () => {
  let chat: ChatFixture;
  beforeEach(async () => {
    chat = await openChat();
    await seedUsers(chat);
  });
  afterEach(() => chat.close());

  it('observeUser follows presence and profile changes, and is undefined for an unknown user', async () => {
    const live = record(chat.users.observeUser('bob'));
    const ghost = record(chat.users.observeUser('ghost'));
    await live.waitForCount(1);
    await ghost.waitForCount(1);
    expect(ghost.last()).toBeUndefined();
    expect(live.last()).toMatchObject({ id: 'bob', displayName: 'Bob', isOnline: false });

    chat.advance(500);
    await chat.users.updatePresence('bob', true);
    await live.waitForCount(2);
    expect(live.last()).toMatchObject({ isOnline: true, lastSeen: new Date(T0 + 500) });

    await chat.users.updateProfile('bob', { displayName: 'Robert', profileImageUrl: 'https://example.com/bob.png' });
    await live.waitForCount(3);
    expect(live.last()).toMatchObject({ displayName: 'Robert', profileImageUrl: 'https://example.com/bob.png' });

    await chat.users.updateProfile('bob', { profileImageUrl: null });
    await live.waitForCount(4);
    expect(live.last()).not.toHaveProperty('profileImageUrl');
    expect((live.last() as User).displayName).toBe('Robert');
    live.stop();
    ghost.stop();
  });

  it('refuses a blank display name and unknown users, writing nothing', async () => {
    const before = await chat.store.sync.listOutbox();
    await expect(chat.users.updateProfile('bob', { displayName: '  ' })).rejects.toMatchObject({ kind: 'validation' });
    await expect(chat.users.updatePresence('ghost', true)).rejects.toMatchObject({ kind: 'not-found' });
    expect(await chat.store.sync.listOutbox()).toEqual(before);
    expect((await chat.users.read('bob'))?.displayName).toBe('Bob');
  });

  it('has the generic CRUD in domain objects', async () => {
    expect((await chat.users.readAll()).map((u) => u.id).sort()).toEqual(['alice', 'bob', 'carol']);
    await chat.users.delete('carol');
    expect(await chat.users.read('carol')).toBeUndefined();
    const all = record(chat.users.observe());
    await all.waitForCount(1);
    expect(all.last().map((u) => u.id).sort()).toEqual(['alice', 'bob']);
    all.stop();
    await expect(chat.users.create({ id: 'dave', displayName: 'Dave', isOnline: false, lastSeen: new Date(T0) })).resolves.toMatchObject({
      id: 'dave',
      syncStatus: 'pending',
    });
  });
});
