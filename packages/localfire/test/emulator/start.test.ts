// The harness on the real emulator: its own JVM (not the run's shared one), start, per-project
// clear and rules, stop, an external emulator via FIRESTORE_EMULATOR_HOST, start-up failures.
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLocalfireError } from '../../src/index.js';
import { findFreePort, startFirestoreEmulator, type FirestoreEmulator } from '../../src/testing/emulator/index.js';
import { isAlive, waitUntilGone } from './process-probe.js';

const ownEnv = (): NodeJS.ProcessEnv => {
  const env = { ...process.env };
  delete env['FIRESTORE_EMULATOR_HOST'];
  return env;
};

const OPEN = "rules_version = '2';\nservice cloud.firestore { match /databases/{db}/documents { match /{d=**} { allow read, write: if true; } } }\n";
const CLOSED = "rules_version = '2';\nservice cloud.firestore { match /databases/{db}/documents { match /{d=**} { allow read, write: if false; } } }\n";

/** Writes `things/{id}` through the REST API, as the rules-exempt owner or as a signed-out client. */
async function writeThing(emulator: FirestoreEmulator, projectId: string, id: string, as: 'owner' | 'anonymous' = 'owner'): Promise<number> {
  const response = await fetch(`http://${emulator.hostAndPort}/v1/projects/${projectId}/databases/(default)/documents/things/${id}`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json', ...(as === 'owner' ? { authorization: 'Bearer owner' } : {}) },
    body: JSON.stringify({ fields: { n: { integerValue: '1' } } }),
  });
  await response.text();
  return response.status;
}

async function thingExists(emulator: FirestoreEmulator, projectId: string, id: string): Promise<boolean> {
  const response = await fetch(`http://${emulator.hostAndPort}/v1/projects/${projectId}/databases/(default)/documents/things/${id}`, {
    headers: { authorization: 'Bearer owner' },
  });
  await response.text();
  return response.status === 200;
}

describe('startFirestoreEmulator', () => {
  let emulator: FirestoreEmulator;

  beforeAll(async () => {
    emulator = await startFirestoreEmulator({ env: ownEnv(), rulesPath: new URL('../../../chat-model/firestore.rules', import.meta.url).pathname });
  });
  afterAll(async () => {
    await emulator.stop();
  });

  it('runs a JVM on 127.0.0.1 that serves Firestore', async () => {
    expect(emulator.external).toBe(false);
    expect(emulator.host).toBe('127.0.0.1');
    expect(emulator.hostAndPort).toBe(`127.0.0.1:${emulator.port}`);
    expect(isAlive(emulator.pid!)).toBe(true);
    const projectId = emulator.projectId('serve');
    await emulator.setRules(projectId, OPEN);
    expect(await writeThing(emulator, projectId, 'a', 'anonymous')).toBe(200);
    expect(await thingExists(emulator, projectId, 'a')).toBe(true);
  });

  it('hands out distinct demo- project ids', () => {
    const ids = new Set(Array.from({ length: 50 }, () => emulator.projectId('Same Label!')));
    expect(ids.size).toBe(50);
    for (const id of ids) expect(id).toMatch(/^demo-same-label-[0-9a-f]{8}$/);
  });

  it('clears one project and leaves the others alone', async () => {
    const mine = emulator.projectId('mine');
    const theirs = emulator.projectId('theirs');
    await writeThing(emulator, mine, 'a');
    await writeThing(emulator, theirs, 'a');
    await emulator.clear(mine);
    expect(await thingExists(emulator, mine, 'a')).toBe(false);
    expect(await thingExists(emulator, theirs, 'a')).toBe(true);
  });

  it('starts with the given rules file, and rules can be replaced per project', async () => {
    const chatRules = emulator.projectId('chat');
    const closed = emulator.projectId('closed');
    const open = emulator.projectId('open');
    await emulator.setRules(closed, CLOSED);
    await emulator.setRules(open, OPEN);
    expect(await writeThing(emulator, chatRules, 'a', 'anonymous')).toBe(403);
    expect(await writeThing(emulator, closed, 'a', 'anonymous')).toBe(403);
    expect(await writeThing(emulator, open, 'a', 'anonymous')).toBe(200);
  });

  it('rejects rules that do not compile', async () => {
    await expect(emulator.setRules(emulator.projectId('bad'), 'not rules')).rejects.toMatchObject({ kind: 'internal' });
  });

  it('uses FIRESTORE_EMULATOR_HOST when set, without starting or stopping anything', async () => {
    const external = await startFirestoreEmulator({ env: { ...ownEnv(), FIRESTORE_EMULATOR_HOST: emulator.hostAndPort } });
    expect(external).toMatchObject({ external: true, host: '127.0.0.1', port: emulator.port, pid: undefined });
    const projectId = external.projectId('external');
    await writeThing(external, projectId, 'a');
    await external.clear(projectId);
    expect(await thingExists(emulator, projectId, 'a')).toBe(false);
    await external.stop();
    expect(isAlive(emulator.pid!)).toBe(true);
  });

  it('rejects a malformed FIRESTORE_EMULATOR_HOST', async () => {
    await expect(startFirestoreEmulator({ env: { ...ownEnv(), FIRESTORE_EMULATOR_HOST: 'localhost' } })).rejects.toMatchObject({ kind: 'precondition' });
  });
});

describe('startFirestoreEmulator lifecycle', () => {
  it('stop() ends the JVM and is idempotent', async () => {
    const emulator = await startFirestoreEmulator({ env: ownEnv() });
    const pid = emulator.pid!;
    expect(isAlive(pid)).toBe(true);
    await Promise.all([emulator.stop(), emulator.stop()]);
    expect(await waitUntilGone(pid)).toBe(true);
    await emulator.exited;
    await emulator.stop();
  });

  it('fails with the emulator output when it exits during start-up (port taken)', async () => {
    const port = await findFreePort();
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    const lines: string[] = [];
    try {
      const error: unknown = await startFirestoreEmulator({ env: ownEnv(), port, log: (line) => lines.push(line) }).then(
        () => new Error('started on a taken port'),
        (e: unknown) => e,
      );
      expect(isLocalfireError(error, 'internal')).toBe(true);
      const { message, details } = error as { message: string; details: Record<string, unknown> };
      expect(message).toContain(`--port=${port}`);
      expect(String(details['output'])).toMatch(/BindException|already in use/i);
      expect(lines.join('\n')).toMatch(/BindException|already in use/i);
    } finally {
      blocker.close();
    }
  });

  it('fails with `timeout` when the emulator is not ready in time', async () => {
    await expect(startFirestoreEmulator({ env: ownEnv(), readyTimeoutMs: 1 })).rejects.toMatchObject({ kind: 'timeout' });
  });

  it('rejects a missing rules file before starting anything', async () => {
    await expect(startFirestoreEmulator({ env: ownEnv(), rulesPath: '/nonexistent/firestore.rules' })).rejects.toMatchObject({
      kind: 'precondition',
      details: { missing: 'rules' },
    });
  });
});
