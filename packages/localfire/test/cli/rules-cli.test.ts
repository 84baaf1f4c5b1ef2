// `npx localfire rules <module>` run as a child process (bin/localfire.mjs, the TypeScript
// sources through tsx) on a module of collection definitions.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateRulesValidation, RULES_VALIDATION_BEGIN, RULES_VALIDATION_END } from '../../src/index.js';
import { notes } from '../fixtures/limited-notes.js';

const BIN = fileURLToPath(new URL('../../bin/localfire.mjs', import.meta.url));
const MODULE = fileURLToPath(new URL('../fixtures/limited-notes.ts', import.meta.url));
let dir: string;

interface Run { readonly code: number; readonly stdout: string; readonly stderr: string }

function cli(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr });
    });
  });
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'localfire-rules-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const rulesFile = (block: string) => `rules_version = '2';\nservice cloud.firestore {\n  match /databases/{database}/documents {\n${block}\n  }\n}\n`;

describe('localfire rules', () => {
  it('prints the validation block of the collections a module exports', async () => {
    const run = await cli('rules', MODULE);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${generateRulesValidation([notes])}\n`);
  });

  it('writes the block into a rules file, then --check passes; a drifted block fails --check', async () => {
    const file = join(dir, 'firestore.rules');
    writeFileSync(file, rulesFile(`    ${RULES_VALIDATION_BEGIN}\n    ${RULES_VALIDATION_END}`));
    expect((await cli('rules', MODULE, '--write', file)).code).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(rulesFile(generateRulesValidation([notes])));
    expect((await cli('rules', MODULE, '--check', file)).code).toBe(0);
    writeFileSync(file, readFileSync(file, 'utf8').replace('size() <= 10', 'size() <= 100'));
    const drifted = await cli('rules', MODULE, '--check', file);
    expect(drifted.code).toBe(1);
    expect(drifted.stderr).toContain('differs');
  });

  it('fails clearly for a module without collections, or a missing one', async () => {
    const empty = join(dir, 'empty.mjs');
    writeFileSync(empty, 'export const x = 1;\n');
    const none = await cli('rules', empty);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('collection definition');
    expect((await cli('rules', join(dir, 'missing.ts'))).code).toBe(2);
  });
});
