/*
 * The `localfire` command line (bin/localfire.mjs runs this). Commands:
 *   localfire inspect <db-file> [--json] [--limit n]   what a local database holds
 *   localfire rules <module> [--export name] [--write rules-file | --check rules-file]
 *                                                      the security rules validating its collections
 * Output goes to stdout; errors to stderr with a non-zero exit code.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { createNodeSqliteDriver } from '../adapters/node-sqlite/node-sqlite-driver.js';
import { formatReport } from './format-report.js';
import { inspectDatabase } from './inspect.js';
import { loadCollections } from './load-collections.js';
import { extractRulesValidation, generateRulesValidation, replaceRulesValidation } from '../rules/generate-rules-validation.js';

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
  program
    .command('rules')
    .description('print the Firestore security rules functions that validate the documents of the collections a module exports')
    .argument('<module>', 'a module exporting collection definitions (or arrays of them); .ts through tsx')
    .option('--export <name>', 'read only this export')
    .option('--write <rules-file>', "replace the generated block of this rules file instead of printing it")
    .option('--check <rules-file>', 'exit with code 1 when the generated block of this rules file differs from what would be printed')
    .action(async (modulePath: string, opts: { export?: string; write?: string; check?: string }) => {
      if (!existsSync(modulePath)) program.error(`no such module: ${modulePath}`, { exitCode: 2 });
      const block = generateRulesValidation(await loadCollections(modulePath, opts.export));
      if (opts.write !== undefined) {
        writeFileSync(opts.write, replaceRulesValidation(readFileSync(opts.write, 'utf8'), block));
        write(`updated the generated block of ${opts.write}\n`);
      } else if (opts.check !== undefined) {
        if (extractRulesValidation(readFileSync(opts.check, 'utf8')) !== block) {
          program.error(`${opts.check}: the generated block differs from the collections; run localfire rules ${modulePath} --write ${opts.check}`, { exitCode: 1 });
        }
        write(`${opts.check}: the generated block matches the collections\n`);
      } else {
        write(`${block}\n`);
      }
    });
  return program;
}

export async function main(argv: readonly string[] = process.argv): Promise<void> {
  await createProgram().parseAsync([...argv]);
}
