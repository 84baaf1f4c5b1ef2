// Where the harness looks for Java and the emulator jar, on fake installs in a temp directory.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isLocalfireError } from '../../src/index.js';
import { locateFirestoreEmulatorJar, locateJava, startFirestoreEmulator } from '../../src/testing/emulator/index.js';

let root: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'localfire-locate-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

function touch(path: string, executable = false): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, executable ? '#!/bin/sh\nexit 0\n' : 'jar');
  if (executable) chmodSync(path, 0o755);
  return path;
}

const JAR_IN_SDK = 'platform/cloud-firestore-emulator/cloud-firestore-emulator.jar';

/** Nothing installed anywhere: empty PATH, empty home, no well-known SDK roots. */
const nowhere = () => ({ env: { PATH: join(root, 'empty-bin'), HOME: join(root, 'home') }, sdkRoots: [], askGcloud: false });

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

describe('locateFirestoreEmulatorJar', () => {
  it('prefers FIRESTORE_EMULATOR_JAR', () => {
    const jar = touch(join(root, 'custom.jar'));
    touch(join(root, 'sdk', JAR_IN_SDK));
    expect(locateFirestoreEmulatorJar({ ...nowhere(), env: { ...nowhere().env, FIRESTORE_EMULATOR_JAR: jar }, sdkRoots: [join(root, 'sdk')] })).toBe(jar);
  });

  it('refuses a FIRESTORE_EMULATOR_JAR that does not exist rather than looking elsewhere', () => {
    touch(join(root, 'sdk', JAR_IN_SDK));
    const error = caught(() =>
      locateFirestoreEmulatorJar({ ...nowhere(), env: { ...nowhere().env, FIRESTORE_EMULATOR_JAR: join(root, 'typo.jar') }, sdkRoots: [join(root, 'sdk')] }),
    );
    expect(isLocalfireError(error, 'precondition')).toBe(true);
    expect((error as Error).message).toContain('typo.jar');
  });

  it('finds the jar in the SDK of the gcloud on PATH (through its symlink)', () => {
    const gcloud = touch(join(root, 'google-cloud-sdk', 'bin', 'gcloud'), true);
    const jar = touch(join(root, 'google-cloud-sdk', JAR_IN_SDK));
    mkdirSync(join(root, 'bin'));
    symlinkSync(gcloud, join(root, 'bin', 'gcloud'));
    expect(locateFirestoreEmulatorJar({ ...nowhere(), env: { ...nowhere().env, PATH: join(root, 'bin') } })).toBe(jar);
  });

  it('finds the jar in a well-known SDK directory', () => {
    const jar = touch(join(root, 'opt-sdk', JAR_IN_SDK));
    expect(locateFirestoreEmulatorJar({ ...nowhere(), sdkRoots: [join(root, 'missing-sdk'), join(root, 'opt-sdk')] })).toBe(jar);
  });

  it('falls back to the newest jar in firebase-tools’ cache', () => {
    const cache = join(root, 'home', '.cache', 'firebase', 'emulators');
    touch(join(cache, 'cloud-firestore-emulator-v1.19.9.jar'));
    const newest = touch(join(cache, 'cloud-firestore-emulator-v1.19.10.jar'));
    touch(join(cache, 'cloud-storage-rules-runtime-v1.1.3.jar'));
    expect(locateFirestoreEmulatorJar(nowhere())).toBe(newest);
  });

  it('says what is missing and how to install it when nothing is found', () => {
    const error = caught(() => locateFirestoreEmulatorJar(nowhere()));
    expect(isLocalfireError(error, 'precondition')).toBe(true);
    expect(error).toMatchObject({ retryable: false, details: { missing: 'emulator-jar' } });
    const message = (error as Error).message;
    expect(message).toContain('gcloud components install cloud-firestore-emulator');
    expect(message).toContain('google-cloud-cli-firestore-emulator');
    expect(message).toContain(join(root, 'home', '.cache', 'firebase', 'emulators'));
  });
});

describe('locateJava', () => {
  it('prefers JAVA_HOME, then PATH', () => {
    const fromHome = touch(join(root, 'jdk', 'bin', 'java'), true);
    const onPath = touch(join(root, 'bin', 'java'), true);
    expect(locateJava({ env: { JAVA_HOME: join(root, 'jdk'), PATH: join(root, 'bin') } })).toBe(fromHome);
    expect(locateJava({ env: { JAVA_HOME: join(root, 'no-jdk'), PATH: join(root, 'bin') } })).toBe(onPath);
  });

  it('ignores a non-executable java', () => {
    touch(join(root, 'bin', 'java'));
    const error = caught(() => locateJava({ env: { PATH: join(root, 'bin') } }));
    expect(error).toMatchObject({ kind: 'precondition', details: { missing: 'java' } });
  });
});

describe('startFirestoreEmulator without an emulator', () => {
  it('fails loudly (never skips) when Java is missing', async () => {
    const error: unknown = await startFirestoreEmulator({ env: { PATH: join(root, 'empty-bin'), HOME: join(root, 'home') } }).then(
      () => new Error('started without Java'),
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ kind: 'precondition', details: { missing: 'java' } });
    expect((error as Error).message).toContain('openjdk-17');
  });
});
