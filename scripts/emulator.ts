// `npm run emulator [-- --port 8080] [-- --verbose]`: Google's Cloud Firestore emulator on
// 127.0.0.1 with the chat app's security rules, until Ctrl-C. Exits non-zero, saying what to
// install, when Java or the emulator is missing.
// `npm run emulator -- --check`: only finds Java and the emulator jar (as the tests would),
// prints them, and exits 0, or 1 with what is missing and how to install it.
import { parseArgs } from 'node:util';
import { isLocalfireError } from 'localfire';
import { locateFirestoreEmulatorJar, locateJava, startFirestoreEmulator } from 'localfire/testing/emulator';
import { CHAT_RULES_PATH } from '../test-support/paths.js';

const DEFAULT_PORT = 8080;

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: process.env['FIRESTORE_EMULATOR_PORT'] ?? String(DEFAULT_PORT) },
    verbose: { type: 'boolean', default: false },
    check: { type: 'boolean', default: false },
  },
});

if (values.check) {
  const external = process.env['FIRESTORE_EMULATOR_HOST'];
  try {
    if (external !== undefined && external !== '') {
      console.log(`FIRESTORE_EMULATOR_HOST=${external}: the tests will use that emulator.`);
    } else {
      console.log(`java: ${locateJava()}`);
      console.log(`Firestore emulator: ${locateFirestoreEmulatorJar()}`);
    }
    process.exit(0);
  } catch (e) {
    console.error(isLocalfireError(e) ? e.message : e);
    process.exit(1);
  }
}
const port = Number(values.port);
if (!Number.isInteger(port) || port <= 0 || port > 65_535) {
  console.error(`--port must be a TCP port, got "${values.port}"`);
  process.exit(2);
}

// This script's job is to start an emulator, so an inherited FIRESTORE_EMULATOR_HOST is ignored.
const env = { ...process.env };
delete env['FIRESTORE_EMULATOR_HOST'];

let emulator;
try {
  emulator = await startFirestoreEmulator({
    rulesPath: CHAT_RULES_PATH,
    port,
    env,
    ...(values.verbose ? { log: (line: string) => console.log(`[emulator] ${line}`) } : {}),
  });
} catch (e) {
  console.error(isLocalfireError(e) ? e.message : e);
  process.exit(1);
}

console.log(`Firestore emulator running with ${CHAT_RULES_PATH}`);
console.log(`FIRESTORE_EMULATOR_HOST=${emulator.hostAndPort}`);
console.log('Press Ctrl-C to stop.');

// The harness does not keep the process alive by itself; this does, until a signal or a crash.
const keepAlive = setInterval(() => {}, 1 << 30);
const outcome = await new Promise<'signal' | 'crashed'>((resolve) => {
  process.once('SIGINT', () => resolve('signal'));
  process.once('SIGTERM', () => resolve('signal'));
  void emulator.exited.then(() => resolve('crashed'));
});
clearInterval(keepAlive);
if (outcome === 'crashed') {
  console.error('The Firestore emulator exited unexpectedly.');
  process.exit(1);
}
console.log('Stopping the Firestore emulator…');
await emulator.stop();
console.log('Stopped.');
