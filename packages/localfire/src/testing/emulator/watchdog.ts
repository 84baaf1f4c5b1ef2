/*
 * The watchdog: a tiny Node program (run with `node -e`) that starts the JVM as its child and
 * kills it when its own stdin closes, i.e. when the process that started it dies, however it
 * dies (SIGKILL included). It also forwards SIGINT/SIGTERM/SIGHUP to the JVM, escalates to
 * SIGKILL after a grace period, reports the JVM's pid on fd 3 and exits with the JVM.
 *
 *   parent ──stdin pipe──▶ watchdog ──spawn──▶ java (same process group)
 *   parent dies ⇒ pipe EOF ⇒ watchdog SIGTERMs java (then SIGKILL) ⇒ watchdog exits
 *
 * Kept as a string so it runs the same from src/ and dist/ without resolving a file path.
 */

/** Milliseconds between SIGTERM and SIGKILL when the watchdog stops the JVM. */
export const WATCHDOG_GRACE_MS = 5_000;

export const WATCHDOG_SOURCE = `
'use strict';
const { spawn } = require('node:child_process');
const { writeSync } = require('node:fs');
const { constants } = require('node:os');
const [command, ...args] = JSON.parse(process.argv[1]);
const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'] });
let stopping = false;
function stop() {
  if (stopping) return;
  stopping = true;
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  setTimeout(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); }, ${WATCHDOG_GRACE_MS}).unref();
}
child.on('spawn', () => { try { writeSync(3, child.pid + '\\n'); } catch {} });
child.on('error', (error) => { process.stderr.write('emulator watchdog: ' + error.message + '\\n'); process.exit(127); });
child.on('exit', (code, signal) => process.exit(code !== null ? code : 128 + (constants.signals[signal] || 1)));
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, stop);
`;
