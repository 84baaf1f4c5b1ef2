import { describe, expect, it } from 'vitest';
import { coalesceWrites } from '../../src/adapters/sqlite-wasm/write-coalescing.js';
import type { SyncHandleLike } from '../../src/adapters/sqlite-wasm/write-coalescing.js';

/** An in-memory file with the sync access handle surface; records each real write call. */
function fakeHandleClass() {
  class FakeHandle implements SyncHandleLike {
    data = new Uint8Array(0);
    writes: { at: number; length: number }[] = [];
    failWrites = false;
    write(buffer: ArrayBufferView | ArrayBuffer, options?: { at?: number }): number {
      if (this.failWrites) throw new Error('QuotaExceededError');
      const bytes = buffer instanceof ArrayBuffer ? new Uint8Array(buffer) : new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
      const at = options?.at ?? this.data.length;
      if (at + bytes.length > this.data.length) {
        const grown = new Uint8Array(at + bytes.length);
        grown.set(this.data);
        this.data = grown;
      }
      this.data.set(bytes, at);
      this.writes.push({ at, length: bytes.length });
      return bytes.length;
    }
    read(buffer: ArrayBufferView | ArrayBuffer, options?: { at?: number }): number {
      const out = buffer instanceof ArrayBuffer ? new Uint8Array(buffer) : new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
      const slice = this.data.subarray(options?.at ?? 0, (options?.at ?? 0) + out.length);
      out.set(slice);
      return slice.length;
    }
    getSize(): number {
      return this.data.length;
    }
    truncate(size: number): void {
      this.data = this.data.slice(0, size);
    }
    flush(): void {}
    close(): void {}
  }
  return FakeHandle;
}

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);

describe('coalesceWrites', () => {
  it('turns contiguous positioned writes into one write at flushAll, with the same bytes', () => {
    const Handle = fakeHandleClass();
    const coalescer = coalesceWrites(Handle.prototype);
    try {
      const h = new Handle();
      const heap = bytes(1, 2, 3);
      expect(h.write(heap, { at: 0 })).toBe(3);
      heap.set([9, 9, 9]); // the caller reuses its buffer: the gathered copy must not change
      expect(h.write(bytes(4, 5), { at: 3 })).toBe(2);
      expect(h.writes).toEqual([]);
      expect(coalescer.pending).toBe(1);
      coalescer.flushAll();
      expect(h.writes).toEqual([{ at: 0, length: 5 }]);
      expect([...h.data]).toEqual([1, 2, 3, 4, 5]);
      expect(coalescer.pending).toBe(0);
    } finally {
      coalescer.uninstall();
    }
  });

  it('writes out what is gathered before a read, a size, a truncate, a flush, a close or a non-contiguous write', () => {
    const Handle = fakeHandleClass();
    const coalescer = coalesceWrites(Handle.prototype);
    try {
      const h = new Handle();
      h.write(bytes(1, 2), { at: 0 });
      const out = new Uint8Array(2);
      h.read(out, { at: 0 });
      expect([...out]).toEqual([1, 2]);
      h.write(bytes(3), { at: 2 });
      expect(h.getSize()).toBe(3);
      h.write(bytes(7), { at: 0 }); // overwrite: not contiguous with nothing pending, then pending
      h.write(bytes(8), { at: 10 }); // not contiguous: the pending [7] goes out first, in order
      expect(h.writes.map((w) => w.at)).toEqual([0, 2, 0]);
      h.truncate(2);
      expect([...h.data]).toEqual([7, 2]);
      h.write(bytes(5), { at: 2 });
      h.flush();
      h.write(bytes(6), { at: 3 });
      h.close();
      expect([...h.data]).toEqual([7, 2, 5, 6]);
      expect(coalescer.pending).toBe(0);
    } finally {
      coalescer.uninstall();
    }
  });

  it('keeps handles apart, grows past its first buffer, and restores the prototype on uninstall', () => {
    const Handle = fakeHandleClass();
    const original: unknown = Object.getOwnPropertyDescriptor(Handle.prototype, 'write')?.value;
    const coalescer = coalesceWrites(Handle.prototype);
    const a = new Handle();
    const b = new Handle();
    const page = new Uint8Array(8192).fill(3);
    for (let i = 0; i < 20; i++) a.write(page, { at: i * 8192 });
    b.write(bytes(1), { at: 0 });
    expect(coalescer.pending).toBe(2);
    coalescer.uninstall();
    expect(a.writes).toEqual([{ at: 0, length: 20 * 8192 }]);
    expect(a.data.every((x) => x === 3)).toBe(true);
    expect([...b.data]).toEqual([1]);
    expect(Object.getOwnPropertyDescriptor(Handle.prototype, 'write')?.value).toBe(original);
  });

  it('reports a failed deferred write from flushAll, after trying every handle', () => {
    const Handle = fakeHandleClass();
    const coalescer = coalesceWrites(Handle.prototype);
    try {
      const bad = new Handle();
      const good = new Handle();
      bad.write(bytes(1), { at: 0 });
      good.write(bytes(2), { at: 0 });
      bad.failWrites = true;
      expect(() => coalescer.flushAll()).toThrow('QuotaExceededError');
      expect([...good.data]).toEqual([2]);
      expect(coalescer.pending).toBe(0);
    } finally {
      coalescer.uninstall();
    }
  });
});
