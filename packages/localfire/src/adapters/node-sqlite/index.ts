// localfire/node: the better-sqlite3 driver for Node (tests, servers, Electron).
export { createNodeSqliteDriver } from './node-sqlite-driver.js';
export type { NodeSqliteDriverOptions } from './node-sqlite-driver.js';
