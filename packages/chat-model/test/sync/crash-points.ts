/*
 * Crash points for the sync engine, injected at its ports. A "crash" stops the engine and
 * closes the store right there; the test then reopens the same SQLite file. What is durable
 * at that moment is exactly what a killed process would leave: committed transactions only.
 */
import type { LocalStore, RemotePort, SyncStore, SyncTransaction } from 'localfire';

export interface CrashPoint {
  /** Resolves when the crash point was reached. */
  readonly reached: Promise<void>;
}

function latch(): { promise: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/**
 * The first `write()` reaches the server and is acknowledged there, but the acknowledgement
 * never comes back to the engine (as if the process died before `ack` deleted the outbox
 * entries). Later writes go through.
 */
export function crashAfterRemoteAck(remote: RemotePort): { remote: RemotePort; crash: CrashPoint & { readonly paths: Promise<readonly string[]> } } {
  const hit = latch();
  let paths: readonly string[] = [];
  let armed = true;
  const wrapped = Object.create(remote) as RemotePort;
  Object.defineProperty(wrapped, 'write', {
    value: async (...args: Parameters<RemotePort['write']>): Promise<Awaited<ReturnType<RemotePort['write']>>> => {
      if (!armed) return remote.write(...args);
      armed = false;
      await remote.write(...args);
      paths = args[0].map((w) => w.path);
      hit.open();
      return new Promise<never>(() => undefined);
    },
  });
  return { remote: wrapped, crash: { reached: hit.promise, paths: hit.promise.then(() => paths) } };
}

/**
 * The store as the engine sees it, failing inside the first pulled batch's transaction after
 * `afterRows` rows of `collection` were written (so the transaction never commits, like a
 * process killed in the middle of applying a snapshot).
 */
export function crashWhileApplying(store: LocalStore, collection: string, afterRows: number): { store: LocalStore; crash: CrashPoint & { readonly rowsWritten: () => number } } {
  const hit = latch();
  let armed = true;
  let written = 0;
  const wrapTx = (tx: SyncTransaction): SyncTransaction => {
    const inner = Object.create(tx) as SyncTransaction;
    Object.defineProperty(inner, 'writeRow', {
      value: async (...args: Parameters<SyncTransaction['writeRow']>): Promise<void> => {
        if (armed && args[0] === collection) {
          if (written === afterRows) {
            armed = false;
            hit.open();
            throw new Error(`simulated crash after ${afterRows} ${collection} rows of a pulled batch`);
          }
          written++;
        }
        return tx.writeRow(...args);
      },
    });
    return inner;
  };
  const sync = Object.create(store.sync) as SyncStore;
  Object.defineProperty(sync, 'transaction', {
    value: <R>(fn: (tx: SyncTransaction) => Promise<R>): Promise<R> =>
      store.sync.transaction((tx) => {
        if (armed) written = 0;
        return fn(wrapTx(tx));
      }),
  });
  const wrapped = Object.create(store) as LocalStore;
  Object.defineProperty(wrapped, 'sync', { value: sync });
  return { store: wrapped, crash: { reached: hit.promise, rowsWritten: () => written } };
}
