/*
 * Write coalescing for OPFS sync access handles. In Chromium every `write()` on a
 * FileSystemSyncAccessHandle costs a fixed ~0.4 ms whatever its size, and SQLite commits a
 * WAL transaction as two writes per page (frame header, then page): a 10-page commit paid
 * ~9 ms in calls alone. Contiguous writes to a handle are gathered in memory and reach the
 * file as one `write()` when anything else touches that handle (read, size, truncate, flush,
 * close, a non-contiguous write) and, above all, in `flushAll()`, which the worker calls
 * after every request BEFORE it answers. So an acknowledged statement (a COMMIT) is in the
 * file exactly as before (written, not flushed: it survives a tab crash); a crash mid-request
 * leaves at most a torn WAL tail, which SQLite's frame checksums discard on recovery.
 */

/** The part of `FileSystemSyncAccessHandle` this wraps (structural, so tests can hand in a fake). */
export interface SyncHandleLike {
  write: (this: SyncHandleLike, buffer: ArrayBufferView | ArrayBuffer, options?: { at?: number }) => number;
  read: (this: SyncHandleLike, buffer: ArrayBufferView | ArrayBuffer, options?: { at?: number }) => number;
  getSize: (this: SyncHandleLike) => number;
  truncate: (this: SyncHandleLike, size: number) => void;
  flush: (this: SyncHandleLike) => void;
  close: (this: SyncHandleLike) => void;
}

export interface WriteCoalescer {
  /** Writes every handle's gathered bytes to its file. Throws the first write's error. */
  flushAll(): void;
  /** Handles holding gathered bytes not yet written. */
  readonly pending: number;
  /** Restores the prototype's own methods (after writing what is gathered). */
  uninstall(): void;
}

interface Gathered {
  at: number;
  length: number;
  bytes: Uint8Array;
}

type Methods = Pick<SyncHandleLike, 'write' | 'read' | 'getSize' | 'truncate' | 'flush' | 'close'>;

const bytesOf = (buffer: ArrayBufferView | ArrayBuffer): Uint8Array =>
  buffer instanceof ArrayBuffer ? new Uint8Array(buffer) : new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);

/**
 * Patches `proto` (normally `FileSystemSyncAccessHandle.prototype`, in the SQLite worker
 * only) so contiguous positioned writes are gathered per handle. The caller must call
 * `flushAll()` before acknowledging any request. Writes without `at` are not gathered.
 */
export function coalesceWrites(proto: SyncHandleLike): WriteCoalescer {
  const own: Methods = {
    write: proto.write, read: proto.read, getSize: proto.getSize, truncate: proto.truncate, flush: proto.flush, close: proto.close,
  };
  const gathered = new Map<SyncHandleLike, Gathered>();

  const writeOut = (handle: SyncHandleLike): void => {
    const g = gathered.get(handle);
    if (g === undefined) return;
    gathered.delete(handle);
    const n = own.write.call(handle, g.bytes.subarray(0, g.length), { at: g.at });
    if (n !== g.length) throw new Error(`short write to OPFS: ${n} of ${g.length} bytes`);
  };

  const before = <K extends 'read' | 'getSize' | 'truncate' | 'flush' | 'close'>(name: K): Methods[K] =>
    function (this: SyncHandleLike, ...args: unknown[]) {
      writeOut(this);
      return (own[name] as (...a: unknown[]) => unknown).apply(this, args);
    } as Methods[K];

  proto.write = function (this: SyncHandleLike, buffer, options) {
    const at = options?.at;
    if (at === undefined) {
      writeOut(this);
      return own.write.call(this, buffer, options);
    }
    const bytes = bytesOf(buffer);
    let g = gathered.get(this);
    if (g !== undefined && g.at + g.length !== at) {
      writeOut(this);
      g = undefined;
    }
    if (g === undefined) {
      g = { at, length: 0, bytes: new Uint8Array(Math.max(64 * 1024, bytes.byteLength)) };
      gathered.set(this, g);
    } else if (g.length + bytes.byteLength > g.bytes.byteLength) {
      const grown = new Uint8Array(Math.max(g.bytes.byteLength * 2, g.length + bytes.byteLength));
      grown.set(g.bytes.subarray(0, g.length));
      g.bytes = grown;
    }
    // A copy: the caller (SQLite's heap) reuses its buffer at once.
    g.bytes.set(bytes, g.length);
    g.length += bytes.byteLength;
    return bytes.byteLength;
  };
  proto.read = before('read');
  proto.getSize = before('getSize');
  proto.truncate = before('truncate');
  proto.flush = before('flush');
  proto.close = before('close');

  const flushAll = (): void => {
    let first: Error | undefined;
    for (const handle of [...gathered.keys()]) {
      try {
        writeOut(handle);
      } catch (e) {
        first ??= e instanceof Error ? e : new Error('OPFS write failed', { cause: e });
      }
    }
    if (first !== undefined) throw first;
  };

  return {
    flushAll,
    get pending() {
      return gathered.size;
    },
    uninstall() {
      try {
        flushAll();
      } finally {
        Object.assign(proto, own);
      }
    },
  };
}
