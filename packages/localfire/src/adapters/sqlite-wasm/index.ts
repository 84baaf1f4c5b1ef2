// localfire/browser: SQLite WASM in a Web Worker, persisted in OPFS, one database per user,
// and Web Locks leadership so one tab per user runs the engine.
export { openBrowserDatabase } from './browser-driver.js';
export type { BrowserDatabaseOptions, BrowserSqliteDriver, DriverWorker } from './browser-driver.js';
export { acquireLeadership } from './leadership.js';
export type { Leadership, LeadershipOptions, LeadershipState, LockManagerLike } from './leadership.js';
export { userDatabaseNames } from './names.js';
export type { UserDatabaseNames } from './names.js';
