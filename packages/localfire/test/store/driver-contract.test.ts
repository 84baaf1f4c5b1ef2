import { afterAll, describe, it } from 'vitest';
import { createNodeSqliteDriver } from '../../src/adapters/node-sqlite/index.js';
import { driverContractCases } from '../../src/testing/index.js';
import { tempDir } from './helpers.js';

const cleanups: (() => void)[] = [];
afterAll(() => {
  for (const cleanup of cleanups) cleanup();
});

const inMemory = () => Promise.resolve(createNodeSqliteDriver({ filename: ':memory:' }));
const onFile = () => {
  const { dir, cleanup } = tempDir();
  cleanups.push(cleanup);
  return Promise.resolve(createNodeSqliteDriver({ filename: `${dir}/contract.db` }));
};

describe.each([
  ['better-sqlite3 in memory', inMemory],
  ['better-sqlite3 on a WAL file', onFile],
] as const)('SqliteDriver contract: %s', (_name, makeDriver) => {
  for (const c of driverContractCases) it(c.name, () => c.run(makeDriver));
});
