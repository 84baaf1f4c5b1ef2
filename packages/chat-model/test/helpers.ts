import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vi } from 'vitest';
import { createLocalStore } from 'localfire';
import type { LiveQuery, LocalStore, SqliteDriver } from 'localfire';
import { createNodeSqliteDriver } from 'localfire/node';
import { chatCollections, createChatRepositories, users } from '../src/index.js';
import type { ChatRepositories, Conversation } from '../src/index.js';

export const T0 = Date.UTC(2024, 0, 1, 12, 0, 0);

export interface ChatFixture extends ChatRepositories {
  readonly store: LocalStore;
  /** Current injected time (ms). */
  now(): number;
  /** Moves the injected clock forward. */
  advance(ms?: number): void;
  close(): Promise<void>;
}

/** An in-memory chat database with a manual clock and sequential ids (`<prefix>0001`, ...). */
export async function openChat(options: {
  readonly filename?: string;
  readonly idPrefix?: string;
  readonly wrapDriver?: (driver: SqliteDriver) => SqliteDriver;
  /** The signed-in user of the repositories (their rules mirror then applies). */
  readonly userId?: string;
} = {}): Promise<ChatFixture> {
  let now = T0;
  let seq = 0;
  const prefix = options.idPrefix ?? 'id';
  const clock = () => now;
  const newId = () => `${prefix}${String(++seq).padStart(4, '0')}`;
  const store = await createLocalStore({
    driver: (options.wrapDriver ?? ((d) => d))(createNodeSqliteDriver({ filename: options.filename ?? ':memory:' })),
    collections: chatCollections,
    clock,
    newId,
  });
  return {
    ...createChatRepositories({ store, clock, newId, ...(options.userId === undefined ? {} : { userId: options.userId }) }),
    store,
    now: () => now,
    advance: (ms = 1) => {
      now += ms;
    },
    close: () => store.close(),
  };
}

/** A temp directory for database files, removed by the returned cleanup. */
export function tempDir(): { readonly dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'chat-model-test-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Seeds the profiles of users alice, bob and carol (and any extra uids), as if pulled. */
export async function seedUsers(chat: ChatFixture, uids: readonly string[] = ['alice', 'bob', 'carol']): Promise<void> {
  for (const uid of uids) {
    await chat.store.repo(users).create({ id: uid, displayName: uid[0]!.toUpperCase() + uid.slice(1), isOnline: false });
  }
}

export interface Recorder<T> {
  readonly values: T[];
  /** Waits until at least `n` values were received. */
  waitForCount(n: number): Promise<void>;
  /** Lets pending notifications run, so that an emission that should not happen would show. */
  settle(): Promise<void>;
  last(): T;
  stop(): void;
}

/** Subscribes to a live query and records every emission. */
export function record<T>(query: LiveQuery<T>): Recorder<T> {
  const values: T[] = [];
  const errors: unknown[] = [];
  const stop = query.subscribe(
    (v) => values.push(v),
    (e) => errors.push(e),
  );
  return {
    values,
    async waitForCount(n) {
      await vi.waitFor(
        () => {
          if (errors.length > 0) throw new Error(`live query failed: ${String(errors[0])}`);
          if (values.length < n) throw new Error(`waiting for ${n} emissions, have ${values.length}`);
        },
        { timeout: 5000, interval: 2 },
      );
    },
    async settle() {
      for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 5));
      if (errors.length > 0) throw new Error(`live query failed: ${String(errors[0])}`);
    },
    last() {
      if (values.length === 0) throw new Error('no emission yet');
      return values[values.length - 1] as T;
    },
    stop,
  };
}

/** A group of `creatorId` whose invitees have all accepted: every one of them a member. */
export async function createJoinedGroup(chat: ChatRepositories, creatorId: string, inviteeIds: readonly string[], groupName?: string): Promise<Conversation> {
  const group = await chat.conversations.createGroupConversation(creatorId, inviteeIds, groupName);
  for (const id of new Set(inviteeIds)) if (id !== creatorId) await chat.conversations.acceptInvitation(group.id, id);
  const joined = await chat.conversations.read(group.id);
  if (joined === undefined) throw new Error(`group ${group.id} vanished`);
  return joined;
}
