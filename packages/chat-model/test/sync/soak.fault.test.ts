/*
 * A seeded randomized soak over the Firestore emulator (the smaller sibling of the engine's
 * in-memory soak): three devices, each doing random sends, reads, group creates, direct
 * creates, profile edits and presence changes, with random offline periods. At the end every
 * device's local DB equals the server's documents in its scope, and every message sent exists
 * exactly once.
 *
 * The seed is printed; `SOAK_SEED=<n>` replays the same operation sequence (which local rows
 * exist when an operation runs still depends on network timing).
 *
 * It runs three times: with the adapter's default listener window; with a window of 3
 * documents, so that listeners roll forward all the time and every roll's late-commit handling
 * is exercised (a write stamped before a roll's checkpoint that commits after it); and with
 * server code importing messages beside the devices (the late-commit fault on the emulator):
 * now and then rules-bypassing writers start concurrent batches of messages into a conversation
 * without waiting, so that some batch is stamped before another and committed after it. A device that does not converge leaves a trace of
 * its remote traffic in `test-results/`.
 */
import { doc, getDocFromServer } from 'firebase/firestore';
import type { Firestore, Timestamp } from 'firebase/firestore';
import { documentPath } from 'localfire';
import type { RemoteWrite } from 'localfire';
import { createFirestoreRemote, timestampToMicros } from 'localfire/firestore';
import type { FirestoreRemote } from 'localfire/firestore';
import { chatCollections, messages } from '../../src/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestProject } from '../../../../test-support/firestore.js';
import type { TestProject } from '../../../../test-support/firestore.js';
import { tempDir } from '../helpers.js';
import { drained, openDevice, profile, until, warmUpEmulator } from './devices.js';
import type { ChatDevice } from './devices.js';
import { diffStates, inScope, readLocal, readServer, unsyncedRows } from './server-state.js';
import { prng } from '../../../../test-support/prng.js';
import { createRemoteTrace } from './remote-trace.js';

/**
 * How many imports committed late: a batch stamped before another one of its import and
 * committed after it.
 */
async function countLateImports(admin: Firestore, imports: readonly (readonly { readonly path: string; readonly version: number }[])[]): Promise<number> {
  let late = 0;
  for (const batches of imports) {
    const stamped = await Promise.all(batches.map(async ({ path, version }) => ({ version, stamp: timestampToMicros((await getDocFromServer(doc(admin, path))).get('updatedAt') as Timestamp) })));
    if (stamped.some((a) => stamped.some((b) => a.stamp < b.stamp && a.version > b.version))) late++;
  }
  return late;
}

/** A message written by server code (an import, a bot): rules bypassed, so any sender. */
function importedMessage(conversationId: string, id: string, text: string): RemoteWrite {
  const values = { conversationId, senderId: 'importer', senderName: 'Importer', text, timestamp: new Date(), readBy: ['importer'], deliveredTo: [], localId: id };
  return {
    mutationId: id,
    collection: 'messages',
    id,
    path: documentPath(messages, { conversationId, id }),
    op: 'set',
    fields: Object.fromEntries(Object.entries(values).map(([name, value]) => [name, { op: 'set', value }])),
  };
}

const SEED = process.env['SOAK_SEED'] === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(process.env['SOAK_SEED']);
const OPS_PER_DEVICE = Number(process.env['SOAK_OPS'] ?? 40);
const USERS = ['alice', 'bob', 'carol'] as const;

const VARIANTS = [
  { name: 'default listener window', listenerWindowDocs: undefined, imports: false },
  { name: 'listeners rolled every 3 documents', listenerWindowDocs: 3, imports: false },
  { name: 'server-side imports committing late', listenerWindowDocs: undefined, imports: true },
] as const;
/**
 * One import: 4 concurrent batches of messages, each from its own writer. Under the soak's load
 * the emulator committed some batch after one stamped later in about half of the imports (the
 * log line counts them); a big batch started just before a small one was stamped last instead.
 */
const IMPORT_BATCH_SIZES = [60, 60, 60, 60] as const;

describe.each(VARIANTS)('randomized soak over the Firestore emulator, $name', { timeout: 120_000 }, ({ listenerWindowDocs, imports }) => {
  let project: TestProject;
  let dir: ReturnType<typeof tempDir>;
  let admin: Firestore;
  /** Server code's writers (rules bypassed), one Firestore each: concurrent batches on separate streams. */
  let importers: FirestoreRemote[] = [];
  const devices: ChatDevice[] = [];
  const trace = createRemoteTrace();

  beforeAll(async () => {
    await warmUpEmulator();
    project = await createTestProject({ label: 'chat-soak' });
    dir = tempDir();
    admin = project.connectAdmin();
    importers = imports ? IMPORT_BATCH_SIZES.map(() => createFirestoreRemote({ firestore: project.connectAdmin(), collections: [...chatCollections] })) : [];
  });
  afterAll(async () => {
    for (const d of devices.splice(0)) await d.close();
    await Promise.all(importers.map((w) => w.close()));
    await project.dispose();
    dir.cleanup();
  });

  it(`3 devices, ${OPS_PER_DEVICE} random operations each, random offline periods (seed ${SEED})`, async () => {
    console.info(`chat soak over the emulator: seed ${SEED} (replay with SOAK_SEED=${SEED})`);
    const random = prng(SEED);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

    for (const userId of USERS) {
      const d = await openDevice({
        projectId: project.projectId,
        userId,
        filename: `${dir.dir}/${userId}.db`,
        wrapRemote: (remote) => trace.wrap(userId, remote),
        ...(listenerWindowDocs === undefined ? {} : { remoteOptions: { listenerWindowDocs } }),
      });
      devices.push(d);
      await d.users.create(profile(userId));
    }
    const byUser = new Map(devices.map((d) => [d.userId, d]));
    const sent = new Map<string, string>(); // message id -> unique text
    const offlineUntil = new Map<string, number>();
    /** Per import, each batch's first document and its ack: to count the imports that really committed late. */
    const importing: Promise<{ readonly path: string; readonly version: number }[]>[] = [];
    let imported = 0;
    const counts: Record<string, number> = {};
    let n = 0;

    const operations: Record<string, (d: ChatDevice) => Promise<void>> = {
      async send(d) {
        const mine = await d.conversations.observeConversations(d.userId).get();
        if (mine.length === 0) return operations['direct']!(d);
        const text = `soak ${SEED} #${++n}`;
        const m = await d.messages.sendMessage({ conversationId: pick(mine).id, text, senderId: d.userId });
        sent.set(m.id, text);
      },
      async read(d) {
        const mine = await d.conversations.observeConversations(d.userId).get();
        const unread = mine.filter((c) => c.unreadCount > 0);
        if (unread.length === 0) return;
        const messages = await d.messages.getMessages(pick(unread).id, 50);
        const ids = messages.filter((m) => m.senderId !== d.userId && !m.readBy.includes(d.userId)).map((m) => m.id);
        await d.messages.markMessagesAsDelivered(ids, d.userId);
        await d.messages.markMessagesAsRead(ids, d.userId);
      },
      async group(d) {
        const others = USERS.filter((u) => u !== d.userId && random() < 0.7);
        await d.conversations.createGroupConversation(d.userId, others.length > 0 ? others : [pick(USERS.filter((u) => u !== d.userId))], `group ${++n}`);
      },
      async accept(d) {
        const invitations = await d.conversations.observeInvitations(d.userId).get();
        if (invitations.length > 0) await d.conversations.acceptInvitation(pick(invitations).id, d.userId);
      },
      async direct(d) {
        await d.conversations.createDirectConversation(d.userId, pick(USERS.filter((u) => u !== d.userId)));
      },
      async profile(d) {
        await d.users.updateProfile(d.userId, { displayName: `${d.userId} ${++n}` });
      },
      async presence(d) {
        await d.users.updatePresence(d.userId, random() < 0.5);
      },
      async import(d) {
        const mine = await d.conversations.observeConversations(d.userId).get();
        if (mine.length === 0) return;
        const conversationId = pick(mine).id;
        const batches = IMPORT_BATCH_SIZES.map((size) =>
          Array.from({ length: size }, () => {
            const id = `import.${++imported}`;
            const text = `soak ${SEED} import #${++n}`;
            sent.set(id, text);
            return importedMessage(conversationId, id, text);
          }),
        );
        const writes = batches.map((batch, i) => importers[i]!.write(batch));
        importing.push(Promise.all(writes).then((acks) => acks.map((a) => a[0]!)));
      },
    };
    const weights: readonly (readonly [string, number])[] = [['send', 40], ['read', 20], ['group', 5], ['accept', 6], ['direct', 8], ['profile', 8], ['presence', 10], ['offline', 9], ...(imports ? [['import', 4] as const] : [])];
    const total = weights.reduce((s, [, w]) => s + w, 0);
    const chooseOp = (): string => {
      let r = random() * total;
      for (const [name, w] of weights) if ((r -= w) < 0) return name;
      return 'send';
    };

    for (let step = 0; step < OPS_PER_DEVICE * USERS.length; step++) {
      const d = byUser.get(pick(USERS))!;
      for (const [userId, until_] of offlineUntil) {
        if (step >= until_) {
          offlineUntil.delete(userId);
          await byUser.get(userId)!.online();
        }
      }
      const op = chooseOp();
      counts[op] = (counts[op] ?? 0) + 1;
      if (op === 'offline') {
        if (!offlineUntil.has(d.userId)) {
          offlineUntil.set(d.userId, step + 5 + Math.floor(random() * 20));
          await d.offline();
        }
      } else {
        await operations[op]!(d);
      }
      await new Promise((r) => setTimeout(r, Math.floor(random() * 30)));
    }
    // The offline periods end: a device still offline comes back. One that is online is left as
    // it is (no network cycle to shake a stalled stream loose: recovering is the engine's job).
    for (const d of devices) if (d.remote.connectionState === 'offline') await d.online();
    const late = await countLateImports(admin, await Promise.all(importing));
    console.info(`chat soak seed ${SEED}: operations ${JSON.stringify(counts)}, ${sent.size} messages sent (${imported} imported, ${late} of ${importing.length} imports committed late)`);

    // Converge: every outbox drained, every device equal to the server in its scope.
    for (const d of devices) await drained(d, 30_000);
    const server = await readServer(admin);
    for (const d of devices) {
      await until(async () => JSON.stringify(await readLocal(d.store)) === JSON.stringify(inScope(server, d.userId)), `${d.userId} to converge (seed ${SEED})`, 45_000).catch(async (e: unknown) => {
        const file = `test-results/soak-trace-${SEED}-window-${listenerWindowDocs ?? 'default'}${imports ? '-imports' : ''}.jsonl`;
        trace.save(file);
        throw new Error(`${String(e)}\nremote trace: ${file}\nlocal vs server:\n${diffStates(await readLocal(d.store), inScope(server, d.userId))}`);
      });
    }
    for (const d of devices) {
      await drained(d);
      expect(await readLocal(d.store), `${d.userId} equals the server (seed ${SEED})`).toEqual(inScope(server, d.userId));
      expect(await unsyncedRows(d.store), `${d.userId} has nothing unsynced (seed ${SEED})`).toEqual([]);
      expect(d.engine.status.get()).toMatchObject({ pendingCount: 0, failedCount: 0, quarantinedCount: 0 });
      expect(d.refusals(), `${d.userId}: nothing refused by the rules (seed ${SEED})`).toEqual([]);
    }

    // Every message sent exists exactly once on the server, and once on each device in its scope.
    const texts = server.messages.map((m) => m['text'] as string);
    expect(new Set(texts).size).toBe(texts.length);
    expect(server.messages.map((m) => m.id).sort()).toEqual([...sent.keys()].sort());
    for (const m of server.messages) expect(m['text']).toBe(sent.get(m.id));
    for (const d of devices) {
      const local = (await readLocal(d.store)).messages.map((m) => m['text'] as string);
      expect(new Set(local).size).toBe(local.length);
    }
    // Receipts: every recorded read on a device made it to the server (sets merge, none lost).
    expect(server.messages.every((m) => (m['readBy'] as string[]).includes(m['senderId'] as string))).toBe(true);
  });
});
