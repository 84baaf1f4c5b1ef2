import { openBrowserDatabase } from '../../src/adapters/sqlite-wasm/index.js';
import { driverContractCases } from '../../src/testing/driver-contract.js';
import { browserDriverCases } from './browser-driver-cases.js';
import type { CaseResult } from './page-api.js';
import { storeCases } from './store-cases.js';

/**
 * Runs the shared driver contract against the browser driver (each `makeDriver` call opens a
 * fresh, empty OPFS database of its own), then the browser-specific cases. Collects pass/fail
 * instead of stopping at the first failure.
 */
export async function runBrowserDriverContract(): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  let databases = 0;
  const makeDriver = () => openBrowserDatabase({ userId: `contract-${++databases}`, reset: true });
  for (const c of driverContractCases) results.push(await runCase(`contract: ${c.name}`, () => c.run(makeDriver)));
  for (const c of browserDriverCases) results.push(await runCase(`browser: ${c.name}`, () => c.run()));
  for (const c of storeCases) results.push(await runCase(`store: ${c.name}`, () => c.run()));
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
