import { describe, expect, it } from 'vitest';
import { createLatencyWindow } from '../../src/sync/latency.js';
import { createServerClock } from '../../src/sync/server-clock.js';

describe('latency window', () => {
  it('p50 and p99 by nearest rank over the last N samples only', () => {
    const w = createLatencyWindow(100);
    expect(w.stats()).toBeNull();
    for (let i = 1; i <= 100; i++) w.add(i);
    expect(w.stats()).toEqual({ p50: 50, p99: 99, samples: 100 });
    // 100 more samples of 1000 ms push every earlier one out of the window.
    for (let i = 0; i < 100; i++) w.add(1000);
    expect(w.stats()).toEqual({ p50: 1000, p99: 1000, samples: 100 });
  });
});

describe('server clock', () => {
  it('maps server time to the local clock by the offset of the shortest round trip', () => {
    const clock = createServerClock();
    expect(clock.toLocal(5_000)).toBeNull();
    // Local clock one hour ahead of the server. A slow ack (the commit could be anywhere in 2 s) …
    clock.learn(3_600_000 + 10_000, 3_600_000 + 12_000, 10_100);
    // … then a fast one pins the offset within 5 ms.
    clock.learn(3_600_000 + 20_000, 3_600_000 + 20_010, 20_005);
    expect(clock.toLocal(30_000)).toBe(3_630_000);
  });
});
