/*
 * The `localfire` command line (bin/localfire.mjs runs this). Commands:
 *   localfire inspect <db-file> [--json] [--limit n]   what a local database holds
 * Output goes to stdout; errors to stderr with a non-zero exit code.
 */
import { existsSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { createNodeSqliteDriver } from '../adapters/node-sqlite/node-sqlite-driver.js';
import { formatReport } from './format-report.js';
import { inspectDatabase } from './inspect.js';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

/** Builds the program; `write` receives stdout text (injectable for tests). */
export function createProgram(write: (text: string) => void = (t) => process.stdout.write(t)): Command {
  const program = new Command('localfire').description('localfire: local-first sync for Firestore apps');
  program
    .command('inspect')
    .description('print the state of a local database: tables and row counts, outbox, checkpoints, quarantine')
    .argument('<db-file>', 'the SQLite database file')
    .option('--json', 'print the report as JSON')
    .option('--limit <n>', 'most outbox and quarantine entries listed', positiveInt, 50)
    .action(async (file: string, opts: { json?: boolean; limit: number }) => {
      if (!existsSync(file)) program.error(`no such database file: ${file}`, { exitCode: 2 });
      const driver = createNodeSqliteDriver({ filename: file, readonly: true });
      try {
        const report = await inspectDatabase(driver, { limit: opts.limit });
        write(opts.json === true ? `${JSON.stringify(report, null, 2)}\n` : formatReport(file, report));
      } finally {
        await driver.close();
      }
    });
  return program;
}

export async function main(argv: readonly string[] = process.argv): Promise<void> {
  await createProgram().parseAsync([...argv]);
}
