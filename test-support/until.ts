export interface UntilOptions {
  /** Give up after this long (real time). Default 10 000 ms. */
  readonly timeoutMs?: number;
  /** Poll period. Default 10 ms. */
  readonly intervalMs?: number;
  /** Extra diagnostics appended to the timeout error. */
  readonly describe?: () => string;
}

/** Polls `condition` on real timers until it holds; throws `timed out waiting for <what>` after the timeout. */
export async function until(condition: () => boolean | Promise<boolean>, what: string, options: UntilOptions = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) {
      const extra = options.describe ? `\n${options.describe()}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${extra}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 10));
  }
}
