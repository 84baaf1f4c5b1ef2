// `localfire/testing/emulator`: Google's Cloud Firestore emulator for tests and scripts (Node only).
export { startFirestoreEmulator, findFreePort, uniqueProjectId } from './start.js';
export type { FirestoreEmulator, StartFirestoreEmulatorOptions } from './start.js';
export { locateFirestoreEmulatorJar, locateJava, EMULATOR_INSTALL_HINT, JAVA_INSTALL_HINT } from './locate.js';
export type { EmulatorEnv, LocateOptions } from './locate.js';
export { clearEmulatorProject, setEmulatorProjectRules } from './admin-api.js';
