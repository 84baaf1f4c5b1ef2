// Delivery at the shipped defaults on FRESHLY STARTED emulators, no warm-up, quiet and with a
// busy-loop process per core: the cold start a new user meets on a fresh or busy backend. Two
// devices; Alice creates a direct chat and sends one message after another, and each must reach
// Bob's live query (within the 30 s of `until`: the field reports saw 20-50 s stalls here), and
// Alice's writes are acknowledged while it goes on. Speed is the sync-liveness bench's business.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startFirestoreEmulator, uniqueProjectId } from 'localfire/testing/emulator';
import type { FirestoreEmulator } from 'localfire/testing/emulator';
import { CHAT_RULES_PATH } from '../../../../test-support/paths.js';
import type { Message } from '../../src/index.js';
import { drained, openDevice, profile, until } from './devices.js';
import type { ChatDevice } from './devices.js';

const MESSAGES = 8;

describe('delivery at the shipped defaults on a freshly started emulator', { timeout: 600_000 }, () => {
  let emulator: FirestoreEmulator | null = null;
  let devices: ChatDevice[] = [];
  let busy: ChildProcess[] = [];
  let dir = '';

  afterEach(async () => {
    for (const d of devices) await d.close();
    devices = [];
    for (const child of busy) child.kill('SIGKILL');
    busy = [];
    await emulator?.stop();
    emulator = null;
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  async function converse(): Promise<void> {
    dir = mkdtempSync(join(tmpdir(), 'lf-fresh-'));
    emulator = await startFirestoreEmulator({ rulesPath: CHAT_RULES_PATH });
    const projectId = uniqueProjectId('fresh');
    const open = (userId: string) => openDevice({ projectId, userId, filename: join(dir, `${userId}.db`), emulatorHost: emulator!.hostAndPort });
    const alice = await open('alice');
    const bob = await open('bob');
    devices.push(alice, bob);
    await alice.users.create(profile('alice'));
    await bob.users.create(profile('bob'));
    const chat = await alice.conversations.createDirectConversation('alice', 'bob');
    let held: readonly Message[] = [];
    const stop = bob.messages.observeMessages(chat.id).subscribe((list) => {
      held = list;
    });
    try {
      for (let i = 0; i < MESSAGES; i++) {
        const sent = await alice.messages.sendMessage({ conversationId: chat.id, text: `fresh ${i}`, senderId: 'alice', senderName: 'Alice' });
        await until(() => held.some((m) => m.id === sent.id), `Bob's live query holding message ${i}`);
      }
    } finally {
      stop();
    }
    await drained(alice);
    expect(held.map((m) => m.text)).toEqual(Array.from({ length: MESSAGES }, (_, i) => `fresh ${i}`));
    expect([...alice.refusals(), ...bob.refusals()]).toEqual([]);
  }

  it('on a quiet machine', async () => {
    await converse();
  });

  it('with a busy-loop process per core', async () => {
    busy = cpus().map(() => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
    await converse();
  });
});
