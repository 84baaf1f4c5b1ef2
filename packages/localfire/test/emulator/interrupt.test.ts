// No orphaned JVM: a process that started an emulator is interrupted (SIGINT, as by Ctrl-C),
// terminated, or killed outright (SIGKILL, no hook runs); the emulator must go with it.
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { isAlive, waitUntilGone } from './process-probe.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/hold-emulator.ts', import.meta.url));
const TSX = createRequire(import.meta.url).resolve('tsx');

interface Held {
  readonly child: ChildProcess;
  readonly jvmPid: number;
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children: ChildProcess[] = [];
const jvms: number[] = [];

afterEach(() => {
  // Should a test fail half-way, leave nothing running behind it.
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const pid of jvms.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone, as it should be
    }
  }
});

/** Starts the fixture (a test-runner stand-in) and waits until its emulator is up. */
async function holdEmulator(): Promise<Held> {
  const env = { ...process.env };
  delete env['FIRESTORE_EMULATOR_HOST'];
  const child = spawn(process.execPath, ['--import', TSX, FIXTURE], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let output = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const line = await new Promise<string>((resolve, reject) => {
    let pending = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      const newline = pending.indexOf('\n');
      if (newline >= 0) resolve(pending.slice(0, newline));
    });
    void exit.then(() => reject(new Error(`fixture exited before its emulator was up:\n${output}`)));
  });
  const { jvmPid } = JSON.parse(line) as { jvmPid: number };
  jvms.push(jvmPid);
  expect(isAlive(jvmPid)).toBe(true);
  return { child, jvmPid, exit };
}

describe('an interrupted emulator user leaves no JVM behind', () => {
  it('SIGINT: the JVM stops and the process still dies of SIGINT', async () => {
    const held = await holdEmulator();
    held.child.kill('SIGINT');
    expect(await held.exit).toEqual({ code: null, signal: 'SIGINT' });
    expect(await waitUntilGone(held.jvmPid)).toBe(true);
  });

  it('SIGTERM: the JVM stops', async () => {
    const held = await holdEmulator();
    held.child.kill('SIGTERM');
    expect(await held.exit).toEqual({ code: null, signal: 'SIGTERM' });
    expect(await waitUntilGone(held.jvmPid)).toBe(true);
  });

  it('SIGKILL: no hook runs, the watchdog stops the JVM', async () => {
    const held = await holdEmulator();
    held.child.kill('SIGKILL');
    expect(await held.exit).toEqual({ code: null, signal: 'SIGKILL' });
    expect(await waitUntilGone(held.jvmPid)).toBe(true);
  });
});
