import { browserDriverCases } from './browser-driver-cases.js';
import type { CaseResult } from './page-api.js';

/** Runs every case one after another, collecting pass/fail instead of stopping at the first. */
export async function runBrowserDriverContract(): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const c of browserDriverCases) results.push(await runCase(`browser: ${c.name}`, () => c.run()));
  return results;
}

async function runCase(name: string, run: () => Promise<void>): Promise<CaseResult> {
  try {
    await run();
    return { name, ok: true };
  } catch (e) {
    return { name, ok: false, error: e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e) };
  }
}
