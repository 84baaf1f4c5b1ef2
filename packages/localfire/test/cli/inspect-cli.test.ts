// `npx localfire inspect <db-file>` run as a child process (bin/localfire.mjs, the TypeScript
// sources through tsx) against a database file this test writes.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalStore } from '../../src/index.js';
import { createNodeSqliteDriver } from '../../src/adapters/node-sqlite/index.js';
import type { InspectReport } from '../../src/cli/inspect.js';
import { lists, todos } from '../fixtures/todo.js';

const BIN = fileURLToPath(new URL('../../bin/localfire.mjs', import.meta.url));
const T0 = Date.UTC(2024, 0, 1, 12, 0, 0);
let dir: string;
let file: string;

interface Run { readonly code: number; readonly stdout: string; readonly stderr: string }

function cli(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'localfire-cli-'));
  file = join(dir, 'app.db');
  let seq = 0;
  const store = await createLocalStore({
    driver: createNodeSqliteDriver({ filename: file }),
    collections: [lists, todos],
    clock: () => T0,
    newId: () => `m${++seq}`,
  });
  await store.repo(lists).create({ id: 'l1', name: 'Groceries', ownerId: 'u1' });
  await store.repo(todos).create({ id: 't1', listId: 'l1', title: 'Milk', done: false, position: 1, tags: [] });
  await store.repo(todos).create({ id: 't2', listId: 'l1', title: 'Eggs', done: false, position: 2, tags: [] });
  await store.repo(todos).delete('t2');
  const [first] = await store.sync.listOutbox();
  await store.sync.transaction(async (tx) => {
    await tx.recordFailure([first!.seq], { kind: 'permission-denied', message: 'rules said no', nextAttemptAt: null });
    await tx.setMeta('checkpoint:todos|lists/l1', JSON.stringify({ serverTime: 1_700_000_000_000_000, id: 't9' }));
    await tx.quarantine({ collection: 'todos', path: 'lists/l1/todos/bad', reason: 'title: too short', raw: { title: '' } });
  });
  await store.close();
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('localfire inspect', () => {
  it('prints tables with row counts by sync status, the outbox, checkpoints and quarantine', async () => {
    const { code, stdout, stderr } = await cli('inspect', file);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain(`localfire database: ${file}`);
    expect(stdout).toMatch(/^schema version: \d+$/m);
    expect(stdout).toMatch(/^lists\s+1\s+0\s+0\s+1\s+0\s+0$/m);
    expect(stdout).toMatch(/^todos\s+2\s+0\s+2\s+0\s+0\s+1$/m);
    expect(stdout).toMatch(/^_lf_outbox\s+4$/m);
    expect(stdout).toContain('Outbox: 3 pending, 1 failed');
    expect(stdout).toMatch(/^1\s+failed\s+set\s+lists\/l1\s+name,ownerId\s+1\s+2024-01-01T12:00:00.000Z\s+permission-denied: rules said no$/m);
    expect(stdout).toMatch(/delete\s+lists\/l1\/todos\/t2/);
    expect(stdout).toContain('Checkpoints: 1');
    expect(stdout).toContain('todos|lists/l1');
    expect(stdout).toContain('Quarantine: 1');
    expect(stdout).toMatch(/lists\/l1\/todos\/bad\s+title: too short/);
  }, 60_000);

  it('prints the same report as JSON, and --limit bounds the outbox listing', async () => {
    const { code, stdout } = await cli('inspect', file, '--json', '--limit', '2');
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as InspectReport;
    expect(report.outbox).toMatchObject({ pending: 3, failed: 1 });
    expect(report.outbox.entries.map((e) => [e.seq, e.op, e.path])).toEqual([[1, 'set', 'lists/l1'], [2, 'set', 'lists/l1/todos/t1']]);
    expect(report.tables.find((t) => t.name === 'todos')).toEqual({ name: 'todos', rows: 2, byStatus: { pending: 2 }, tombstones: 1 });
    expect(report.checkpoints).toEqual([{ scope: 'todos|lists/l1', value: JSON.stringify({ serverTime: 1_700_000_000_000_000, id: 't9' }) }]);
    expect(report.quarantine).toEqual([{ collection: 'todos', path: 'lists/l1/todos/bad', reason: 'title: too short', at: T0 }]);
  }, 60_000);

  it('fails with a message and exit code 2 for a missing file, and refuses a bad --limit', async () => {
    const missing = await cli('inspect', join(dir, 'nope.db'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no such database file');
    const bad = await cli('inspect', file, '--limit', 'zero');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('must be a positive integer');
  }, 60_000);
});
