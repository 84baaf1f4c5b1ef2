/*
 * Liveness rows over FRESHLY STARTED Firestore emulators, at the shipped defaults (no warm-up,
 * no shortened timeout, no network cycle), with and without a busy-loop process per core.
 *
 * sync-liveness          each trial from A's sendMessage to B's observeMessages holding it; the
 *                        first trial of each emulator start includes the conversation's creation
 *                        (the cold start a new user meets). Reports p50, p99 and max; every trial
 *                        over 5 s is logged with both devices' sync log around it.
 * stall-recovery         B's SDK network is dropped behind the adapter's back (disableNetwork on
 *                        the client the remote uses) while A keeps sending: from the stall to B's
 *                        live query holding A's next message.
 * push-during-stall      A's own listeners are stalled the same way as B's above... not possible on
 *                        one client (its writes share the network), so A's listeners are held
 *                        behind (every snapshot from cache) by the remote's fault hook while A sends:
 *                        sendMessage until the outbox entry is acknowledged. Baseline, alternated:
 *                        the same send with healthy listeners.
 *
 * LIVENESS_STARTS / LIVENESS_TRIALS override the number of emulator starts and trials per start.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { setLogLevel } from 'firebase/firestore';
import type { SyncLogEntry } from 'localfire';
import { startFirestoreEmulator } from 'localfire/testing/emulator';
import type { FirestoreEmulator } from 'localfire/testing/emulator';
import type { Message } from '@localfire/chat-model';
import { arrivals, openDevice } from './chat-devices.js';
import type { Device } from './chat-devices.js';
import { percentile, toRow, within } from './harness.js';
import type { BenchContext, BenchModule, BenchRow } from './harness.js';

const ROWS = ['sync-liveness'] as const;
const RULES_PATH = fileURLToPath(new URL('../packages/chat-model/firestore.rules', import.meta.url));
const STARTS = Number(process.env['LIVENESS_STARTS'] ?? 6);
const TRIALS = Number(process.env['LIVENESS_TRIALS'] ?? 40);
/** A trial that waits this long fails the run. */
const TRIAL_TIMEOUT_MS = 120_000;
const SLOW_MS = 5_000;

/** One busy-loop process per core: the "busy machine" of the acceptance runs. */
function startBusyLoops(): ChildProcess[] {
  return cpus().map(() => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
}

function stopAll(children: readonly ChildProcess[]): void {
  for (const child of children) child.kill('SIGKILL');
}

interface Trial {
  readonly start: number;
  readonly ms: number;
  readonly busy: boolean;
}

interface LoggedEntry {
  readonly t: number;
  readonly who: string;
  readonly entry: SyncLogEntry;
}

async function runStart(context: BenchContext, index: number, busy: boolean, dir: string): Promise<{ trials: Trial[]; slow: string[] }> {
  const loops = busy ? startBusyLoops() : [];
  let emulator: FirestoreEmulator | null = null;
  const devices: Device[] = [];
  const logged: LoggedEntry[] = [];
  const trials: Trial[] = [];
  const slow: string[] = [];
  try {
    emulator = await startFirestoreEmulator({ rulesPath: RULES_PATH });
    const projectId = emulator.projectId('liveness');
    const alice = await openDevice({ emulator, projectId, userId: 'alice', filename: join(dir, `alice-${index}.db`) });
    const bob = await openDevice({ emulator, projectId, userId: 'bob', filename: join(dir, `bob-${index}.db`) });
    devices.push(alice, bob);
    for (const d of devices) d.engine.log.subscribe((entry) => logged.push({ t: performance.now(), who: d.userId, entry }));
    const seen = arrivals();
    await alice.users.create({ id: 'alice', displayName: 'alice', isOnline: true });
    await bob.users.create({ id: 'bob', displayName: 'bob', isOnline: true });
    let conversationId: string | null = null;
    let stopObserving = (): void => undefined;
    for (let i = 0; i < TRIALS; i++) {
      const start = performance.now();
      if (conversationId === null) {
        conversationId = (await alice.conversations.createDirectConversation('alice', 'bob')).id;
        stopObserving = bob.messages.observeMessages(conversationId, { limit: 20 }).subscribe((list: Message[]) => seen.check(list.map((m) => m.id)));
      }
      const sent = await alice.messages.sendMessage({ conversationId, text: `live ${i}`, senderId: 'alice' });
      const arrived = await within(seen.next(sent.id), TRIAL_TIMEOUT_MS, `bob's live query holding trial ${i} of start ${index}`);
      const ms = arrived - start;
      trials.push({ start, ms, busy });
      if (ms > SLOW_MS) {
        const lines = logged.filter((l) => l.t >= start - 100 && l.t <= arrived + 100).map((l) => `    ${(l.t - start).toFixed(0)} ms ${l.who}: ${JSON.stringify(l.entry)}`);
        const report = [`start ${index}${busy ? ' (busy)' : ''}, trial ${i}: ${ms.toFixed(0)} ms`, ...lines].join('\n');
        slow.push(report);
        context.log(report);
      }
      await new Promise((r) => setTimeout(r, Math.random() * 200));
    }
    stopObserving();
    return { trials, slow };
  } finally {
    for (const d of devices) await d.close().catch(() => undefined);
    await emulator?.stop();
    stopAll(loops);
  }
}

async function run(context: BenchContext): Promise<BenchRow[]> {
  setLogLevel('silent');
  const dir = mkdtempSync(join(tmpdir(), 'lf-bench-liveness-'));
  const rows: BenchRow[] = [];
  try {
    if (context.selected('sync-liveness')) {
      const all: Trial[] = [];
      const perStart: string[] = [];
      for (let s = 0; s < STARTS; s++) {
        const busy = s % 2 === 1;
        const { trials } = await runStart(context, s, busy, dir);
        all.push(...trials);
        const ms = trials.map((t) => t.ms);
        const summary = `start ${s}${busy ? ' busy' : ' quiet'}: first ${ms[0]!.toFixed(0)} ms, p50 ${percentile(ms, 50).toFixed(0)}, p99 ${percentile(ms, 99).toFixed(0)}, max ${Math.max(...ms).toFixed(0)}, over 5 s ${ms.filter((x) => x > SLOW_MS).length}`;
        perStart.push(summary);
        context.log(summary);
      }
      const samples = all.map((t) => t.ms);
      const over = samples.filter((x) => x > SLOW_MS).length;
      rows.push({
        ...toRow({
          name: 'sync-liveness',
          samples,
          note: `${samples.length} trials over ${STARTS} freshly started emulators (odd starts with a busy-loop process per core), shipped defaults, no warm-up; from A's sendMessage to B's observeMessages holding it (each start's first trial includes creating the conversation). Over 5 s: ${over}. Per start: ${perStart.join('; ')}`,
        }),
        max: Number(Math.max(...samples).toFixed(1)),
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

export const livenessBench: BenchModule = { name: 'liveness', rows: ROWS, run };
