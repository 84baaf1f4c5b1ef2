/*
 * What the engine measures about its round trips: push latency (a batch sent to
 * acknowledged), pull latency (a realtime change committed on the server to applied here,
 * the server's clock mapped to the device's by the offset learnt from acks), and for each
 * write whether the server answered.
 */
import { isLocalfireError, toLocalfireError } from '../errors.js';
import type { LocalfireError } from '../errors.js';
import { createLatencyWindow } from './latency.js';
import type { LatencyStats } from './latency.js';
import type { AppliedPull } from './pull-loop.js';
import type { RemotePort, RemoteWrite, WriteAck } from './remote.js';
import { createServerClock } from './server-clock.js';

export interface SyncMeasurements {
  /**
   * `remote`'s writes, timed: an ack calls `onAnswer`, a failure `onFailure` with what
   * happened (a deadline's timeout rather than the abort it caused).
   */
  timedWrites(remote: Pick<RemotePort, 'write'>, hooks: { readonly onAnswer: () => void; readonly onFailure: (error: LocalfireError) => void }): Pick<RemotePort, 'write'>;
  /** A pulled batch: realtime changes are pull-latency samples. */
  notePulled(pull: AppliedPull): void;
  latency(): { readonly push: LatencyStats | null; readonly pull: LatencyStats | null };
}

export function createSyncMeasurements(clock: () => number): SyncMeasurements {
  const push = createLatencyWindow();
  const pull = createLatencyWindow();
  const serverClock = createServerClock();
  return {
    timedWrites(remote, hooks) {
      return {
        async write(writes: readonly RemoteWrite[], options?: { readonly signal?: AbortSignal }): Promise<WriteAck[]> {
          const sentAt = clock();
          try {
            const acks = await remote.write(writes, options);
            const ackedAt = clock();
            push.add(ackedAt - sentAt);
            const newest = acks.reduce((m, a) => Math.max(m, a.version), 0);
            if (newest > 0) serverClock.learn(sentAt, ackedAt, newest / 1000);
            hooks.onAnswer();
            return acks;
          } catch (e) {
            const reason: unknown = options?.signal?.aborted ? options.signal.reason : undefined;
            hooks.onFailure(isLocalfireError(reason) ? reason : toLocalfireError(e));
            throw e;
          }
        },
      };
    },
    notePulled(pulled) {
      if (!pulled.realtime) return;
      for (const change of pulled.changes) {
        if (change.type !== 'added' && change.type !== 'modified') continue;
        const committedAt = serverClock.toLocal(change.doc.version / 1000);
        if (committedAt !== null) pull.add(pulled.at - committedAt);
      }
    },
    latency: () => ({ push: push.stats(), pull: pull.stats() }),
  };
}
