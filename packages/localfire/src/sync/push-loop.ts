/*
 * The push loop: drains the outbox to the remote in batches of at most 500 writes.
 *
 *            kick / timer                  batch acked or failed
 *   idle ───────────────────▶ draining ◀───────────────────────┐
 *    ▲  ▲                       │  └────── next ready batch ────┘
 *    │  └── timer at nextWakeAt ┤ nothing ready
 *    │                          │
 *    │ online (kick, forced)    │ offline / `offline` error
 *   paused ◀────────────────────┘
 *   stop() from any state: aborts the in-flight write, clears the timer ─▶ stopped
 *
 * A forced pass (start-up, reconnect, forceSync) first moves failed entries back to
 * pending and ignores backoff for that one pass. Per batch:
 * - success: `ack` in one local transaction;
 * - retryable error: each entry backs off on its own schedule (its own attempt count), the
 *   pass goes on with other documents; after the last retry the entry becomes `failed`;
 * - `offline` error: nothing recorded (no retry burnt), the pass ends; reconnect resumes;
 * - non-retryable error: a single entry fails at once; a larger batch is bisected until the
 *   poison entry is alone, the others are pushed. Later entries of a document that failed
 *   in this pass wait (per-document order), other documents never do. An entry that gives up
 *   while later entries of its document cover all its fields is superseded (dropped; they go
 *   out in the next pass); otherwise the document is blocked until `retry` or `discard`.
 * Writes carry a deadline: the SDK's write promise stays pending while offline. The ack
 * transaction also settles snapshots pulled while the batch was in flight (in-flight.ts).
 */
import { LocalfireError, toLocalfireError, unreachable } from '../errors.js';
import type { CollectionDef } from '../schema/collection.js';
import type { OutboxEntry, SyncStore, SyncTransaction } from '../store/sync-store.js';
import type { Backoff } from './backoff.js';
import type { InFlightWrites } from './in-flight.js';
import type { SyncLogWriter } from './log.js';
import { logError } from './log.js';
import { MAX_BATCH_WRITES } from './remote.js';
import type { RemotePort, RemoteWrite, WriteAck } from './remote.js';
import { resolveRemote } from './resolve.js';

export interface PushLoopOptions {
  readonly store: SyncStore;
  readonly remote: Pick<RemotePort, 'write'>;
  readonly backoff: Backoff;
  readonly clock: () => number;
  readonly log: Pick<SyncLogWriter, 'emit'>;
  /**
   * Whether to push at all: the network (the platform's signal and the app's switch), never
   * the health of listeners, so a stalled listener cannot hold a write back.
   */
  readonly isOnline: () => boolean;
  /** Deadline of one remote write. */
  readonly deadlineMs: number;
  readonly batchSize?: number;
  /** Called with true when a pass starts and false when it ends. */
  readonly onActive?: (active: boolean) => void;
  readonly onSynced?: (at: number) => void;
  readonly onError?: (error: LocalfireError) => void;
  /** Collections by name, to re-resolve snapshots noted in `inFlight`. */
  readonly collections: ReadonlyMap<string, CollectionDef>;
  /** Shared with the pull loop (see in-flight.ts). */
  readonly inFlight: InFlightWrites;
}

export interface KickOptions {
  /** Ignore backoff for one pass and move failed entries back to pending first. */
  readonly force?: boolean;
}

export interface PushLoop {
  /** Asks for a pass as soon as possible (coalesced with one already asked for). */
  kick(options?: KickOptions): void;
  /** Resolves once no pass is running or asked for. */
  whenIdle(): Promise<void>;
  /** Aborts the in-flight write and clears the timer; later kicks do nothing. */
  stop(): void;
}

type BatchOutcome = 'continue' | 'end-pass';

/**
 * The loop's own state (the outbox holds the rest):
 *
 *   idle ──kick──▶ running ──nothing asked for after a pass──▶ waiting (a wake-up at the next
 *     ▲              │  ▲                                        due entry) or idle
 *     │              │  └─ a kick during a pass is kept in `next` and runs after it
 *     └──────────────┘    waiting ──kick or its timer──▶ running
 *   any ──stop()──▶ stopped (final)
 */
type LoopState =
  | { readonly name: 'idle' }
  | { readonly name: 'waiting'; readonly timer: ReturnType<typeof setTimeout> }
  | { readonly name: 'running'; done: Promise<void>; next: KickOptions | null; sending: boolean }
  | { readonly name: 'stopped' };

export function createPushLoop(options: PushLoopOptions): PushLoop {
  const { store, remote, backoff, clock, log, isOnline } = options;
  const batchSize = Math.min(options.batchSize ?? MAX_BATCH_WRITES, MAX_BATCH_WRITES);
  const stopController = new AbortController();
  let state: LoopState = { name: 'idle' };

  const stopped = (): boolean => state.name === 'stopped';

  function kick(opts: KickOptions = {}): void {
    const asked = { force: opts.force ?? false };
    switch (state.name) {
      case 'stopped':
        return;
      case 'running':
        state.next = { force: (state.next?.force ?? false) || asked.force };
        return;
      case 'waiting':
        clearTimeout(state.timer);
        start(asked);
        return;
      case 'idle':
        start(asked);
        return;
      default:
        unreachable(state);
    }
  }

  function start(first: KickOptions): void {
    const running: Extract<LoopState, { name: 'running' }> = { name: 'running', done: Promise.resolve(), next: first, sending: false };
    state = running;
    running.done = run(running);
  }

  /** Passes while kicks keep coming, then waits for the next due entry (or idles). */
  async function run(running: Extract<LoopState, { name: 'running' }>): Promise<void> {
    let wakeAt: number | null = null;
    try {
      while (running.next !== null && state === running) {
        const { force = false } = running.next;
        running.next = null;
        wakeAt = null;
        try {
          // Wake-ups are looked up from the pass's start: an entry that became due after the
          // pass last read the ready writes (its clock moved on) must not wait for the periodic worker.
          const passStartedAt = clock();
          await pass(force);
          if (running.next === null && isOnline() && state === running) wakeAt = await store.nextWakeAt(passStartedAt);
        } catch (e) {
          // The store failed (or is closing): report; the periodic worker or the next kick retries.
          if (state === running) options.onError?.(toLocalfireError(e));
        }
      }
    } finally {
      if (running.sending) options.onActive?.(false);
      if (state === running) {
        const at = wakeAt;
        state = at === null ? { name: 'idle' } : { name: 'waiting', timer: setTimeout(() => kick(), Math.max(0, at - clock())) };
      }
    }
  }

  async function pass(force: boolean): Promise<void> {
    if (!isOnline()) return;
    if (force) await store.transaction((tx) => tx.retryFailed());
    const attempted = new Set<number>();
    const blocked = new Set<string>();
    for (;;) {
      if (stopped() || !isOnline()) return;
      const ready = await store.readyWrites(force ? Number.MAX_SAFE_INTEGER : clock(), batchSize);
      const batch = ready.filter((e) => !attempted.has(e.seq) && !blocked.has(e.path));
      if (batch.length === 0) return;
      for (const e of batch) attempted.add(e.seq);
      if ((await pushBatch(batch, blocked)) === 'end-pass') return;
    }
  }

  async function pushBatch(entries: readonly OutboxEntry[], blocked: Set<string>): Promise<BatchOutcome> {
    const batch = entries.filter((e) => !blocked.has(e.path));
    if (batch.length === 0 || stopped()) return 'continue';
    const handle = options.inFlight.begin(batch.map((e) => e.path));
    try {
      return await sendBatch(batch, blocked);
    } finally {
      options.inFlight.end(handle);
    }
  }

  async function sendBatch(batch: readonly OutboxEntry[], blocked: Set<string>): Promise<BatchOutcome> {
    if (state.name === 'running' && !state.sending) {
      state.sending = true;
      options.onActive?.(true);
    }
    const started = clock();
    log.emit({ type: 'sync-started', direction: 'push', count: batch.length });
    let acks: WriteAck[];
    try {
      acks = await writeWithDeadline(batch.map(toRemoteWrite));
    } catch (e) {
      if (stopped()) return 'end-pass';
      return onBatchFailure(batch, toLocalfireError(e), blocked);
    }
    const acked = batch.map((e, i) => ({ seq: e.seq, serverTime: acks[i]?.version ?? 0 }));
    await store.transaction(async (tx) => {
      await tx.ack(acked);
      await reresolveNoted(tx, batch, acked);
    });
    const now = clock();
    log.emit({ type: 'sync-succeeded', direction: 'push', count: batch.length, durationMs: now - started });
    options.onSynced?.(now);
    return 'continue';
  }

  /** See in-flight.ts: snapshots that already held this batch meet it acknowledged. */
  async function reresolveNoted(tx: SyncTransaction, batch: readonly OutboxEntry[], acked: readonly { readonly serverTime: number }[]): Promise<void> {
    const ackTimes = new Map<string, number>();
    batch.forEach((e, i) => ackTimes.set(e.path, Math.max(ackTimes.get(e.path) ?? 0, acked[i]?.serverTime ?? 0)));
    for (const [path, ackTime] of ackTimes) {
      const doc = options.inFlight.take(path);
      const def = doc && options.collections.get(doc.collection);
      if (!doc || !def || doc.version < ackTime) continue;
      const local = await tx.readRow(def.name, doc.id);
      const pending = await tx.pendingChanges(def.name, doc.id);
      const resolution = resolveRemote({ def, local, pendingFields: pending.fields, replacedFields: pending.replaced, remote: doc });
      if (local !== undefined && local.syncStatus !== 'synced') await tx.recordServerVersion(def.name, doc);
      if (resolution.changed) await tx.writeRow(def.name, resolution.row);
    }
  }

  async function onBatchFailure(batch: readonly OutboxEntry[], error: LocalfireError, blocked: Set<string>): Promise<BatchOutcome> {
    log.emit({ type: 'sync-failed', direction: 'push', count: batch.length, error: logError(error), paths: batch.map((e) => e.path) });
    options.onError?.(error);
    if (error.kind === 'offline') return 'end-pass';
    if (!error.retryable && batch.length > 1) {
      const mid = Math.ceil(batch.length / 2);
      if ((await pushBatch(batch.slice(0, mid), blocked)) === 'end-pass') return 'end-pass';
      return pushBatch(batch.slice(mid), blocked);
    }
    for (const e of batch) blocked.add(e.path);
    await recordFailures(batch, error);
    return 'continue';
  }

  async function recordFailures(batch: readonly OutboxEntry[], error: LocalfireError): Promise<void> {
    const now = clock();
    const plans = batch.map((e) => {
      const failures = e.attempts + 1;
      const delay = error.retryable ? backoff.delay(failures) : null;
      return { entry: e, failures, delay, nextAttemptAt: delay === null ? null : now + delay };
    });
    const superseded = await store.transaction(async (tx) => {
      const dropped = new Set<number>();
      for (const p of plans) for (const seq of await tx.recordFailure([p.entry.seq], { kind: error.kind, message: error.message, nextAttemptAt: p.nextAttemptAt })) dropped.add(seq);
      return dropped;
    });
    for (const p of plans) {
      if (superseded.has(p.entry.seq)) log.emit({ type: 'write-superseded', mutationId: p.entry.mutationId, path: p.entry.path });
      if (p.delay === null) log.emit({ type: 'write-failed', mutationId: p.entry.mutationId, path: p.entry.path, error: logError(error) });
      else log.emit({ type: 'retry-scheduled', mutationId: p.entry.mutationId, path: p.entry.path, failures: p.failures, delayMs: p.delay, nextAttemptAt: now + p.delay });
    }
  }

  async function writeWithDeadline(writes: readonly RemoteWrite[]): Promise<WriteAck[]> {
    const controller = new AbortController();
    let deadline: ReturnType<typeof setTimeout> | undefined;
    let onStop = (): void => undefined;
    const interrupted = new Promise<never>((_, reject) => {
      onStop = () => {
        const error = new LocalfireError('aborted', 'sync engine stopped');
        controller.abort(error);
        reject(error);
      };
      deadline = setTimeout(() => {
        const error = new LocalfireError('timeout', `remote write did not settle within ${options.deadlineMs} ms`);
        controller.abort(error);
        reject(error);
      }, options.deadlineMs);
    });
    stopController.signal.addEventListener('abort', onStop, { once: true });
    try {
      return await Promise.race([remote.write(writes, { signal: controller.signal }), interrupted]);
    } finally {
      clearTimeout(deadline);
      stopController.signal.removeEventListener('abort', onStop);
    }
  }

  return {
    kick,
    async whenIdle() {
      while (state.name === 'running') await state.done;
    },
    stop() {
      if (state.name === 'waiting') clearTimeout(state.timer);
      state = { name: 'stopped' };
      stopController.abort(new LocalfireError('aborted', 'sync engine stopped'));
    },
  };
}

function toRemoteWrite(e: OutboxEntry): RemoteWrite {
  return { mutationId: e.mutationId, collection: e.collection, id: e.docId, path: e.path, op: e.op, fields: e.fields };
}
