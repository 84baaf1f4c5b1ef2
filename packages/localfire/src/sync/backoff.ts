/*
 * Jittered exponential backoff. Failure n (1-based) waits base * factor^(n-1), capped at
 * `maxDelayMs`, scaled by a random factor in [1 - jitter, 1 + jitter]. After `maxRetries`
 * retries the next failure gives up (null).
 *
 *   failure:  1     2     3     4     5     6
 *   delay:    1 s   2 s   4 s   8 s   16 s  null (give up: failed)
 */

export interface BackoffOptions {
  /** First retry delay. Default 1000 ms. */
  readonly baseMs?: number;
  /** Growth per failure. Default 2. */
  readonly factor?: number;
  /** Largest delay. Default 60 000 ms. */
  readonly maxDelayMs?: number;
  /** Retries after the first attempt before giving up. Default 5. */
  readonly maxRetries?: number;
  /** Relative jitter, 0..1. Default 0.2 (±20 %). */
  readonly jitter?: number;
}

export interface Backoff {
  /** Delay in ms before the retry after failure number `failures` (1-based), or null to give up. */
  delay(failures: number): number | null;
  readonly maxRetries: number;
}

/** `random` returns [0, 1): inject it for deterministic tests (0.5 gives the nominal delay). */
export function createBackoff(options: BackoffOptions = {}, random: () => number = Math.random): Backoff {
  const baseMs = options.baseMs ?? 1000;
  const factor = options.factor ?? 2;
  const maxDelayMs = options.maxDelayMs ?? 60_000;
  const maxRetries = options.maxRetries ?? 5;
  const jitter = Math.min(Math.max(options.jitter ?? 0.2, 0), 1);
  return {
    maxRetries,
    delay(failures) {
      if (failures > maxRetries) return null;
      const nominal = Math.min(baseMs * factor ** Math.max(failures - 1, 0), maxDelayMs);
      return Math.max(0, Math.round(nominal * (1 + jitter * (2 * random() - 1))));
    },
  };
}
