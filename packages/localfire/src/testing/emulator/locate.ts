/*
 * Finds what the Firestore emulator needs: a `java` executable and the emulator's jar.
 * Pure lookups over an injected environment (no module state), so tests can point them at
 * temporary directories.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, readdirSync, realpathSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { LocalfireError } from '../../errors.js';

/** The environment variables the lookups read (defaults to `process.env`). */
export type EmulatorEnv = Readonly<Record<string, string | undefined>>;

export interface LocateOptions {
  readonly env?: EmulatorEnv;
  /** Home directory for firebase-tools' emulator cache; defaults to `$HOME` or `os.homedir()`. */
  readonly homeDir?: string;
  /** Whether to ask `gcloud info` for its SDK root when the usual paths have no jar. Default true. */
  readonly askGcloud?: boolean;
  /** Well-known gcloud SDK install directories to try; default the Debian, snap and /opt ones. */
  readonly sdkRoots?: readonly string[];
}

/** How to install what is missing; part of every "not found" error message. */
export const EMULATOR_INSTALL_HINT = [
  'Install the Cloud Firestore emulator with one of:',
  '  gcloud components install cloud-firestore-emulator',
  '  apt-get install google-cloud-cli-firestore-emulator   (Debian/Ubuntu, Google Cloud apt repository)',
  'or point FIRESTORE_EMULATOR_JAR at cloud-firestore-emulator.jar,',
  'or set FIRESTORE_EMULATOR_HOST=host:port to use an emulator that is already running.',
].join('\n');

export const JAVA_INSTALL_HINT = [
  'The Firestore emulator needs Java 11 or newer (17 recommended). Install it with e.g.',
  '  apt-get install openjdk-17-jre-headless',
  'or set JAVA_HOME to a JDK/JRE directory.',
].join('\n');

const JAR_IN_SDK = join('platform', 'cloud-firestore-emulator', 'cloud-firestore-emulator.jar');

const KNOWN_SDK_ROOTS = [
  '/usr/lib/google-cloud-sdk',
  '/usr/share/google-cloud-sdk',
  '/opt/google-cloud-sdk',
  '/snap/google-cloud-cli/current',
  '/snap/google-cloud-sdk/current',
];

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return isFile(path);
  } catch {
    return false;
  }
}

/** The first executable named `name` on `PATH`, or undefined. */
export function findOnPath(name: string, env: EmulatorEnv): string | undefined {
  for (const dir of (env['PATH'] ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/**
 * The `java` executable: `$JAVA_HOME/bin/java`, else `java` on `PATH`.
 * Throws a `precondition` LocalfireError (details.missing = 'java') saying how to install it.
 */
export function locateJava(options: LocateOptions = {}): string {
  const env = options.env ?? process.env;
  const javaHome = env['JAVA_HOME'];
  if (javaHome !== undefined && javaHome !== '') {
    const candidate = join(javaHome, 'bin', 'java');
    if (isExecutable(candidate)) return candidate;
  }
  const onPath = findOnPath('java', env);
  if (onPath !== undefined) return onPath;
  throw new LocalfireError('precondition', `Java was not found (JAVA_HOME/bin/java or java on PATH).\n${JAVA_INSTALL_HINT}`, {
    retryable: false,
    details: { missing: 'java' },
  });
}

function sdkRootsFromGcloud(env: EmulatorEnv, askGcloud: boolean): string[] {
  const roots: string[] = [];
  const configured = env['CLOUDSDK_ROOT_DIR'];
  if (configured !== undefined && configured !== '') roots.push(configured);
  const gcloud = findOnPath('gcloud', env);
  if (gcloud === undefined) return roots;
  try {
    roots.push(dirname(dirname(realpathSync(gcloud))));
  } catch {
    // A dangling symlink: fall through to asking gcloud itself.
  }
  if (askGcloud) {
    const info = spawnSync(gcloud, ['info', '--format=value(installation.sdk_root)'], {
      env: { ...env },
      encoding: 'utf8',
      timeout: 15_000,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const root = info.status === 0 ? info.stdout.trim() : '';
    if (root !== '') roots.push(root);
  }
  return roots;
}

/** Newest `cloud-firestore-emulator-v*.jar` in firebase-tools' cache, or undefined. */
function jarFromFirebaseCache(homeDir: string): string | undefined {
  const dir = join(homeDir, '.cache', 'firebase', 'emulators');
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return undefined;
  }
  const jars = names
    .filter((name) => name.startsWith('cloud-firestore-emulator-') && name.endsWith('.jar'))
    .sort((a, b) => b.localeCompare(a, 'en', { numeric: true }));
  const newest = jars[0];
  return newest === undefined ? undefined : join(dir, newest);
}

/**
 * The emulator jar, looked up in this order:
 * 1. `FIRESTORE_EMULATOR_JAR` (an error if set to a missing file: a typo should not be masked);
 * 2. the gcloud SDK (`CLOUDSDK_ROOT_DIR`, the `gcloud` on PATH, well-known install paths,
 *    then `gcloud info`), `platform/cloud-firestore-emulator/cloud-firestore-emulator.jar`;
 * 3. firebase-tools' cache, `~/.cache/firebase/emulators/cloud-firestore-emulator-*.jar`.
 * Throws a `precondition` LocalfireError (details.missing = 'emulator-jar') listing the places
 * searched and how to install the emulator.
 */
export function locateFirestoreEmulatorJar(options: LocateOptions = {}): string {
  const env = options.env ?? process.env;
  const explicit = env['FIRESTORE_EMULATOR_JAR'];
  if (explicit !== undefined && explicit !== '') {
    if (isFile(explicit)) return explicit;
    throw new LocalfireError('precondition', `FIRESTORE_EMULATOR_JAR points at ${explicit}, which is not a file.\n${EMULATOR_INSTALL_HINT}`, {
      retryable: false,
      details: { missing: 'emulator-jar', searched: [explicit] },
    });
  }
  const searched: string[] = [];
  const tryRoots = (roots: readonly string[]): string | undefined => {
    for (const root of roots) {
      const jar = join(root, JAR_IN_SDK);
      if (searched.includes(jar)) continue;
      searched.push(jar);
      if (isFile(jar)) return jar;
    }
    return undefined;
  };
  const fromSdk = tryRoots(sdkRootsFromGcloud(env, false)) ?? tryRoots(options.sdkRoots ?? KNOWN_SDK_ROOTS) ?? tryRoots(sdkRootsFromGcloud(env, options.askGcloud ?? true));
  if (fromSdk !== undefined) return fromSdk;
  const home = options.homeDir ?? env['HOME'] ?? homedir();
  const fromCache = jarFromFirebaseCache(home);
  if (fromCache !== undefined) return fromCache;
  searched.push(join(home, '.cache', 'firebase', 'emulators', 'cloud-firestore-emulator-*.jar'));
  throw new LocalfireError('precondition', `The Cloud Firestore emulator jar was not found. Searched:\n  ${searched.join('\n  ')}\n${EMULATOR_INSTALL_HINT}`, {
    retryable: false,
    details: { missing: 'emulator-jar', searched },
  });
}
