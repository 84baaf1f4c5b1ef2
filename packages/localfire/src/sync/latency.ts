/*
 * Latency percentiles over a sliding window of the last samples. A window of samples (not of
 * time) keeps a quiet device's figures meaningful: an hour without writes still shows the
 * last writes' latency, and a burst does not need a minute to show.
 */

/** p50 / p99 of the last `samples` measurements, in ms. */
export interface LatencyStats {
  readonly p50: number;
  readonly p99: number;
  /** Measurements in the window (at most the window's size). */
  readonly samples: number;
}

export interface LatencyWindow {
  add(ms: number): void;
  /** Null before the first measurement. */
  stats(): LatencyStats | null;
}

/** Default window: the last 200 measurements. */
export const LATENCY_WINDOW_SIZE = 200;

export function createLatencyWindow(size = LATENCY_WINDOW_SIZE): LatencyWindow {
  const ring: number[] = [];
  let next = 0;
  return {
    add(ms) {
      const value = Math.max(0, ms);
      if (ring.length < size) ring.push(value);
      else ring[next] = value;
      next = (next + 1) % size;
    },
    stats() {
      if (ring.length === 0) return null;
      const sorted = [...ring].sort((a, b) => a - b);
      return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), samples: sorted.length };
    },
  };
}

/** Nearest-rank percentile of ascending `sorted` (non-empty). */
function percentile(sorted: readonly number[], p: number): number {
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length)));
  return sorted[rank - 1] ?? 0;
}
