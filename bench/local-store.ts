/*
 * Local-store rows over a database of 100,000 messages in 100 conversations, all through
 * packages/chat-model: read-1000, send-message, live-query-notify. The database is built
 * as a pull would build it (synced rows through the sync surface, one transaction) in a temp
 * file, deleted afterwards. Baselines use raw better-sqlite3: a second connection to the same
 * file for reads, a copy of the messages table in a file of its own for the insert.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { createLocalStore } from 'localfire';
import type { LocalStore, SqliteDriver } from 'localfire';
import { createNodeSqliteDriver } from 'localfire/node';
import { chatCollections, createChatRepositories, deriveMessageStatus } from '@localfire/chat-model';
import type { ChatRepositories, Message } from '@localfire/chat-model';
import { cpuNote, measure, measurePair, percentile, toRow } from './harness.js';
import type { BenchModule, BenchRow } from './harness.js';

const CONVERSATIONS = 100;
const PER_CONVERSATION = 1000;
const USERS = 20;
const T0 = Date.UTC(2024, 0, 1);

const convId = (i: number) => `conv-${String(i).padStart(3, '0')}`;
const userId = (i: number) => `user-${String(i % USERS).padStart(2, '0')}`;
const membersOf = (i: number) => [userId(i), userId(i + 1 + (i % 7))].sort();

/** The driver, observed: records when each COMMIT returned (the instant a transaction is durable and published). */
function withCommitProbe(driver: SqliteDriver): { driver: SqliteDriver; lastCommitAt: () => number } {
  let at = 0;
  const probed: SqliteDriver = {
    ...driver,
    exec: async (sql) => {
      await driver.exec(sql);
      if (sql === 'COMMIT') at = performance.now();
    },
  };
  return { driver: probed, lastCommitAt: () => at };
}

/** Fills the store as a pull would: synced rows, no outbox, in one transaction. */
async function seed(store: LocalStore): Promise<void> {
  await store.sync.transaction(async (tx) => {
    let serverTime = T0 * 1000;
    for (let u = 0; u < USERS; u++) {
      const id = userId(u);
      const data = { email: `${id}@example.com`, displayName: `User ${u}`, isOnline: false };
      await tx.writeRow('users', { id, data, serverTime: ++serverTime, deleted: false, syncStatus: 'synced' });
    }
    for (let c = 0; c < CONVERSATIONS; c++) {
      const members = membersOf(c);
      const last = new Date(T0 + PER_CONVERSATION * 1000);
      const data = {
        type: 'direct',
        participantIds: members,
        participants: Object.fromEntries(members.map((m) => [m, { displayName: m }])),
        lastMessageText: `message ${PER_CONVERSATION - 1}`,
        lastMessageSenderId: members[0],
        lastMessageSenderName: members[0],
        lastMessageTimestamp: last,
        lastActivityAt: last,
      };
      await tx.writeRow('conversations', { id: convId(c), data, serverTime: ++serverTime, deleted: false, syncStatus: 'synced' });
      for (let m = 0; m < PER_CONVERSATION; m++) {
        const sender = members[m % 2]!;
        const id = `${convId(c)}-m${String(m).padStart(4, '0')}`;
        const data = {
          conversationId: convId(c),
          senderId: sender,
          senderName: sender,
          text: `message ${m}: the quick brown fox jumps over the lazy dog`,
          timestamp: new Date(T0 + m * 1000),
          readBy: members,
          deliveredTo: members,
          localId: id,
        };
        await tx.writeRow('messages', { id, data, serverTime: ++serverTime, deleted: false, syncStatus: 'synced' });
      }
    }
  });
}

/** The raw baseline's read: the same rows and the same object shape as `getMessages`. */
function rawReader(db: Database.Database) {
  const stmt = db.prepare(
    `SELECT id, "conversationId", "senderId", "senderName", "text", "timestamp", "readBy", "deliveredTo", "localId", _sync_status, _server_time
     FROM messages WHERE _deleted = 0 AND "conversationId" = ? ORDER BY "timestamp" DESC, id DESC LIMIT ?`,
  );
  type Raw = Record<string, string | number | null>;
  return (conversationId: string, limit: number) => {
    const rows = stmt.all(conversationId, limit) as Raw[];
    const out = new Array<Message>(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      const readBy = JSON.parse(r.readBy as string) as string[];
      const deliveredTo = JSON.parse(r.deliveredTo as string) as string[];
      const senderId = r.senderId as string;
      const syncStatus = r._sync_status as Message['syncStatus'];
      const serverTimestamp = r._server_time === null ? null : new Date((r._server_time as number) / 1000);
      out[rows.length - 1 - i] = {
        id: r.id as string,
        localId: r.localId as string,
        conversationId: r.conversationId as string,
        senderId,
        senderName: r.senderName as string,
        text: r.text as string,
        timestamp: new Date(r.timestamp as number),
        status: deriveMessageStatus({ senderId, readBy, deliveredTo }, { syncStatus, serverTimestamp }),
        readBy,
        deliveredTo,
        syncStatus,
      };
    }
    return out;
  };
}

/** A database of its own with the same messages table, indexes and rows, WAL, synchronous=NORMAL. */
function openBaselineWriter(source: Database.Database, sourceFile: string, file: string): Database.Database {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  const ddl = source.prepare(`SELECT sql FROM sqlite_master WHERE tbl_name = 'messages' AND sql IS NOT NULL ORDER BY type DESC`).pluck().all() as string[];
  for (const sql of ddl) db.exec(sql);
  db.prepare('ATTACH DATABASE ? AS src').run(sourceFile);
  db.exec('INSERT INTO main.messages SELECT * FROM src.messages; DETACH DATABASE src');
  return db;
}

function rawInserter(db: Database.Database) {
  const stmt = db.prepare(
    `INSERT INTO messages (id, "conversationId", "senderId", "senderName", "text", "timestamp", "readBy", "deliveredTo", "localId", _sync_status, _created_at, _updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)`,
  );
  let n = 0;
  return (conversationId: string, senderId: string) => {
    const id = `raw-${++n}`;
    const now = Date.now();
    stmt.run(id, conversationId, senderId, senderId, 'hello from the baseline', now, JSON.stringify([senderId]), '[]', id, now, now);
  };
}

async function readRow(chat: ChatRepositories, db: Database.Database): Promise<BenchRow> {
  const raw = rawReader(db);
  const conversationId = convId(0);
  const check = await chat.messages.getMessages(conversationId, 1000);
  const checkRaw = raw(conversationId, 1000);
  if (check.length !== 1000 || JSON.stringify(check) !== JSON.stringify(checkRaw)) throw new Error('read-1000: the store and the raw query disagree');
  const cpu: number[] = [];
  const baselineCpu: number[] = [];
  const { subject, baseline } = await measurePair(
    async () => void (await chat.messages.getMessages(conversationId, 1000)),
    () => void raw(conversationId, 1000),
    { warmup: 30, iterations: 300, cpu, baselineCpu },
  );
  return toRow({
    name: 'read-1000',
    samples: subject,
    baseline: { name: 'raw better-sqlite3 prepared query mapped to the same objects', samples: baseline },
    note: `300 alternated samples; getMessages(conversationId, 1000) into Message objects; ${cpuNote(cpu)}; baseline ${cpuNote(baselineCpu)}`,
  });
}

/**
 * The baseline writes to a separate file: two connections writing one WAL file alternately
 * would make each discard the other's page cache, taxing the subject for the baseline.
 */
async function sendRow(chat: ChatRepositories, db: Database.Database, sourceFile: string, baselineFile: string): Promise<BenchRow> {
  const writer = openBaselineWriter(db, sourceFile, baselineFile);
  try {
    return await measureSend(chat, rawInserter(writer));
  } finally {
    writer.close();
  }
}

async function measureSend(chat: ChatRepositories, insert: ReturnType<typeof rawInserter>): Promise<BenchRow> {
  const c = 1;
  const [sender] = membersOf(c);
  const send = { conversationId: convId(c), text: 'hello from the bench', senderId: sender!, senderName: 'Bench' };
  const cpu: number[] = [];
  const baselineCpu: number[] = [];
  const { subject, baseline } = await measurePair(
    async () => void (await chat.messages.sendMessage(send)),
    () => insert(convId(CONVERSATIONS + 1), sender!),
    { warmup: 200, iterations: 2000, cpu, baselineCpu },
  );
  return toRow({
    name: 'send-message',
    samples: subject,
    baseline: { name: 'raw better-sqlite3 single-row INSERT (autocommit) into a copy of the messages table (same DDL and rows) in its own file', samples: baseline },
    note: `2000 alternated samples; message + preview + 2 outbox entries, committed; ${cpuNote(cpu)}; baseline ${cpuNote(baselineCpu)}`,
  });
}

async function notifyRow(chat: ChatRepositories, lastCommitAt: () => number): Promise<BenchRow> {
  const c = 2;
  const [sender] = membersOf(c);
  /** The latest emission and when it arrived. */
  let latest: { readonly at: number; readonly list: readonly Message[] } | undefined;
  let waiting: { readonly id: string; readonly resolve: () => void } | undefined;
  const holds = (list: readonly Message[] | undefined, id: string) => {
    if (list === undefined) return false;
    for (let i = list.length - 1; i >= 0; i--) if (list[i]!.id === id) return true;
    return false;
  };
  const unsubscribe = chat.messages.observeMessages(convId(c)).subscribe((list) => {
    latest = { at: performance.now(), list };
    if (waiting !== undefined && holds(list, waiting.id)) waiting.resolve();
  });
  const fromCall: number[] = [];
  const cpu: number[] = [];
  try {
    const samples = await measure(
      async () => {
        const start = performance.now();
        const msg = await chat.messages.sendMessage({ conversationId: convId(c), text: 'live', senderId: sender!, senderName: 'Bench' });
        const committedAt = lastCommitAt();
        // The notification may come before sendMessage resolves; otherwise wait for it.
        if (!holds(latest?.list, msg.id)) {
          let timer: NodeJS.Timeout | undefined;
          await new Promise<void>((resolve, reject) => {
            waiting = { id: msg.id, resolve };
            timer = setTimeout(() => reject(new Error(`live-query-notify: no emission holding ${msg.id} within 10 s`)), 10_000);
          }).finally(() => clearTimeout(timer));
        }
        waiting = undefined;
        const receivedAt = latest!.at;
        fromCall.push(receivedAt - start);
        return receivedAt - committedAt;
      },
      { warmup: 20, iterations: 300, cpu },
    );
    const measured = fromCall.slice(-samples.length);
    return toRow({
      name: 'live-query-notify',
      samples,
      note:
        `from the COMMIT of sendMessage to the observeMessages subscriber holding the new list (the store's live update, mapping to Message, equality cut-off); ` +
        `conversation of ${PER_CONVERSATION}+ messages, 300 samples; from calling sendMessage: p50 ${percentile(measured, 50).toFixed(3)} ms, p99 ${percentile(measured, 99).toFixed(3)} ms; ` +
        `${cpuNote(cpu, 'cpu from calling sendMessage')}`,
    });
  } finally {
    unsubscribe();
  }
}

export const localStoreBench: BenchModule = {
  name: 'local-store',
  rows: ['read-1000', 'send-message', 'live-query-notify'],
  async run({ selected, log }) {
    const dir = mkdtempSync(join(tmpdir(), 'localfire-bench-'));
    const file = join(dir, 'chat.db');
    let store: LocalStore | undefined;
    let db: Database.Database | undefined;
    try {
      const probe = withCommitProbe(createNodeSqliteDriver({ filename: file }));
      store = await createLocalStore({ driver: probe.driver, collections: chatCollections });
      const chat = createChatRepositories({ store });
      const t = performance.now();
      await seed(store);
      log(`seeded ${CONVERSATIONS * PER_CONVERSATION} messages in ${CONVERSATIONS} conversations in ${Math.round(performance.now() - t)} ms`);
      db = new Database(file);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      const rows: BenchRow[] = [];
      if (selected('read-1000')) rows.push(await readRow(chat, db));
      if (selected('send-message')) rows.push(await sendRow(chat, db, file, join(dir, 'baseline.db')));
      if (selected('live-query-notify')) rows.push(await notifyRow(chat, probe.lastCommitAt));
      return rows;
    } finally {
      db?.close();
      await store?.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
