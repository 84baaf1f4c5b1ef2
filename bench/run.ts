/*
 * `npm run bench [-- <row filter>...]`: runs the benchmark modules whose rows match the
 * filters (substring of the row name; no filter runs everything), prints a table, and merges
 * the rows into bench/results.json (rows not run this time are kept).
 */
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatTable, rowFilter, writeResults } from './harness.js';
import type { BenchModule, BenchRow } from './harness.js';
import { browserBench } from './browser.js';
import { burstBench } from './burst.js';
import { stallBench } from './stall.js';
import { livenessBench } from './liveness.js';
import { localStoreBench } from './local-store.js';
import { remoteRoundtripBench } from './remote-roundtrip.js';
import { syncBench } from './sync.js';

const modules: readonly BenchModule[] = [localStoreBench, remoteRoundtripBench, syncBench, livenessBench, burstBench, stallBench, browserBench];

async function main(): Promise<void> {
  const filters = process.argv.slice(2).filter((a) => a !== '--');
  const selected = rowFilter(filters);
  const chosen = modules.filter((m) => m.rows.some(selected));
  if (chosen.length === 0) {
    console.error(`no benchmark row matches ${filters.join(', ')}; rows: ${modules.flatMap((m) => m.rows).join(', ')}`);
    process.exitCode = 1;
    return;
  }
  const fresh: BenchRow[] = [];
  const path = join(dirname(fileURLToPath(import.meta.url)), 'results.json');
  for (const m of chosen) {
    const log = (message: string) => console.error(`[${m.name}] ${message}`);
    // Latency percentiles are wall time: a busy machine (other processes) inflates p99 most.
    log(`running ${m.rows.filter(selected).join(', ')} (load average ${loadavg().map((l) => l.toFixed(1)).join(' ')})`);
    const rows = await m.run({ selected, log });
    fresh.push(...rows);
    // Merged module by module: a module that fails later does not lose the rows measured before it.
    writeResults(path, rows);
  }
  console.log(formatTable(fresh));
  console.log(`\nmerged ${fresh.length} row(s) into ${path}`);
}

await main();
