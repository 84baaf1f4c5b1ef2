/*
 * A recording RemotePort wrapper for the emulator soaks: every write and its acknowledgement,
 * every subscription with the checkpoint it opened from, and every delivered change with its
 * version, `updatedAt` and receipts. When a device fails to converge, the trace (written next
 * to the test results) shows which delivery never came and what the listener had opened after.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { RemotePort } from 'localfire';

export interface RemoteTrace {
  /** Wraps `remote` so that its traffic is recorded under `user`. */
  wrap(user: string, remote: RemotePort): RemotePort;
  /** Writes the trace as JSON lines to `file` (directories created). */
  save(file: string): void;
}

export function createRemoteTrace(): RemoteTrace {
  const events: object[] = [];
  let next = 0;
  return {
    wrap(user, remote) {
      const record = (event: object): void => {
        events.push({ at: Date.now(), user, ...event });
      };
      return {
        get connectionState() {
          return remote.connectionState;
        },
        onConnectionChange: (listener) =>
          remote.onConnectionChange((state) => {
            record({ event: 'connection', state });
            listener(state);
          }),
        ...(remote.setNetworkEnabled === undefined
          ? {}
          : {
              setNetworkEnabled: async (enabled: boolean) => {
                record({ event: 'network', enabled });
                await remote.setNetworkEnabled?.(enabled);
              },
            }),
        ...(remote.onStall === undefined ? {} : { onStall: (listener) => remote.onStall!((stall) => (record({ event: 'stall', stall }), listener(stall))) }),
        close: () => remote.close(),
        async write(writes, options) {
          const batch = ++next;
          record({ event: 'write', batch, writes: writes.map((w) => ({ path: w.path, op: w.op, fields: Object.keys(w.fields) })) });
          try {
            const acks = await remote.write(writes, options);
            record({ event: 'ack', batch, acks });
            return acks;
          } catch (e) {
            record({ event: 'write-failed', batch, error: String(e) });
            throw e;
          }
        },
        subscribe(scope, from, handlers) {
          const subscription = ++next;
          record({ event: 'subscribe', subscription, scope, from });
          const inner = remote.subscribe(scope, from, {
            onChanges(changes, checkpoint) {
              const summary = changes.map((c) =>
                'doc' in c
                  ? { type: c.type, id: c.doc.id, version: c.doc.version, updatedAt: c.doc.serverTime, readBy: c.doc.data['readBy'], deliveredTo: c.doc.data['deliveredTo'] }
                  : { type: c.type, id: c.id },
              );
              record({ event: 'changes', subscription, checkpoint, changes: summary });
              return handlers.onChanges(changes, checkpoint);
            },
            onError(error) {
              record({ event: 'subscription-error', subscription, error: String(error) });
              handlers.onError(error);
            },
          });
          return {
            close() {
              record({ event: 'unsubscribe', subscription });
              inner.close();
            },
          };
        },
      };
    },
    save(file) {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, events.map((e) => JSON.stringify(e)).join('\n') + '\n');
    },
  };
}
