import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { LocalfireError } from '../../errors.js';
import { clearEmulatorProject, setEmulatorProjectRules } from './admin-api.js';
import { isEarlyExit, startJvmProcess, type JvmProcess } from './jvm-process.js';
import { JAVA_INSTALL_HINT, locateFirestoreEmulatorJar, locateJava, type EmulatorEnv } from './locate.js';

export interface StartFirestoreEmulatorOptions {
  /** Security rules loaded at start (`--rules`), the default for every project. */
  readonly rulesPath?: string;
  /** Port to bind on 127.0.0.1; a free one is picked when omitted. */
  readonly port?: number;
  /** Receives every line the emulator prints. */
  readonly log?: (line: string) => void;
  /** Environment read for FIRESTORE_EMULATOR_HOST, FIRESTORE_EMULATOR_JAR, JAVA_HOME, PATH, HOME. Default `process.env`. */
  readonly env?: EmulatorEnv;
  /** How long to wait for the emulator to be ready. Default 60 s. */
  readonly readyTimeoutMs?: number;
}

/**
 * A running Cloud Firestore emulator. Data and rules are per project, so concurrent users of one
 * emulator isolate themselves with distinct project ids ({@link FirestoreEmulator.projectId}).
 */
export interface FirestoreEmulator {
  readonly host: string;
  readonly port: number;
  /** `host:port`, the value for `FIRESTORE_EMULATOR_HOST`. */
  readonly hostAndPort: string;
  /** True when this is an emulator named by `FIRESTORE_EMULATOR_HOST`: not started here, never stopped here. */
  readonly external: boolean;
  /** The JVM's pid, or undefined for an external emulator. */
  readonly pid: number | undefined;
  /** Resolves when the emulator process ends (stopped or crashed); never, for an external one. */
  readonly exited: Promise<void>;
  /** A fresh project id, unique to this call: `demo-<label>-<random>` (the `demo-` prefix marks emulator-only projects). */
  projectId(label?: string): string;
  /** Deletes every document of one project. */
  clear(projectId: string): Promise<void>;
  /** Replaces one project's security rules (the others keep theirs). */
  setRules(projectId: string, source: string): Promise<void>;
  /** Stops the emulator (and its watchdog); resolves once it is gone. Idempotent; a no-op when external. */
  stop(): Promise<void>;
}

const LOOPBACK = '127.0.0.1';
const MAX_PORT_ATTEMPTS = 3;

/** A port that was free a moment ago on 127.0.0.1 (the emulator binds it right after). */
export function findFreePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

function parseHostAndPort(value: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(value.trim());
  const port = match?.[3] === undefined ? NaN : Number(match[3]);
  const host = match?.[1] ?? match?.[2];
  if (host === undefined || !Number.isInteger(port) || port <= 0 || port > 65_535) {
    throw new LocalfireError('precondition', `FIRESTORE_EMULATOR_HOST must be host:port, got "${value}"`, { retryable: false });
  }
  return { host, port };
}

/**
 * A project id unique to this call: `demo-<label>-<8 hex>`. The `demo-` prefix marks a project
 * that exists only in emulators; data and rules are per project, so this isolates concurrent tests.
 */
export function uniqueProjectId(label = 'test'): string {
  const slug = label.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 30) || 'test';
  return `demo-${slug}-${randomUUID().slice(0, 8)}`;
}

function createHandle(host: string, port: number, external: boolean, jvm: JvmProcess | undefined): FirestoreEmulator {
  const hostAndPort = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  return {
    host,
    port,
    hostAndPort,
    external,
    pid: jvm?.jvmPid,
    exited: jvm?.exited ?? new Promise<void>(() => {}),
    projectId: uniqueProjectId,
    clear: (projectId) => clearEmulatorProject(hostAndPort, projectId),
    setRules: (projectId, source) => setEmulatorProjectRules(hostAndPort, projectId, source),
    stop: () => jvm?.stop() ?? Promise.resolve(),
  };
}

/**
 * Starts Google's Cloud Firestore emulator on 127.0.0.1 and resolves once it accepts
 * connections, or, when `FIRESTORE_EMULATOR_HOST` is set, returns a handle on that emulator
 * (not started, not stopped here; `rulesPath` is then not applied: use `setRules`).
 *
 * The JVM runs in its own process group behind a watchdog and is killed on `stop()`, on this
 * process's exit, on SIGINT/SIGTERM/SIGHUP, and when this process dies without notice.
 *
 * Rejects with a LocalfireError: `precondition` when Java or the emulator jar is missing (the
 * message says how to install them; details.missing names what), `timeout` when it is not
 * ready in time, `internal` when it exits during start-up; the last two carry its output.
 */
export async function startFirestoreEmulator(options: StartFirestoreEmulatorOptions = {}): Promise<FirestoreEmulator> {
  const env = options.env ?? process.env;
  const externalHost = env['FIRESTORE_EMULATOR_HOST'];
  if (externalHost !== undefined && externalHost.trim() !== '') {
    const { host, port } = parseHostAndPort(externalHost);
    return createHandle(host, port, true, undefined);
  }
  const java = locateJava({ env });
  const jar = locateFirestoreEmulatorJar({ env });
  const rulesArgs: string[] = [];
  if (options.rulesPath !== undefined) {
    const rulesPath = resolve(options.rulesPath);
    if (!existsSync(rulesPath)) {
      throw new LocalfireError('precondition', `Rules file not found: ${rulesPath}`, { retryable: false, details: { missing: 'rules' } });
    }
    rulesArgs.push(`--rules=${rulesPath}`);
  }
  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? (await findFreePort());
    try {
      const jvm = await startJvmProcess({
        command: java,
        args: ['-Duser.language=en', '-cp', jar, 'com.google.cloud.datastore.emulator.firestore.CloudFirestore', 'start', `--host=${LOOPBACK}`, `--port=${port}`, ...rulesArgs],
        env,
        readyTimeoutMs: options.readyTimeoutMs ?? 60_000,
        log: options.log,
      });
      return createHandle(LOOPBACK, port, false, jvm);
    } catch (e) {
      if (isEarlyExit(e) && /UnsupportedClassVersionError/.test(String(e.details['output']))) {
        throw new LocalfireError('precondition', `${java} is too old for this Firestore emulator.\n${JAVA_INSTALL_HINT}\n${e.message}`, {
          cause: e,
          retryable: false,
          details: { missing: 'java', ...e.details },
        });
      }
      // The free port may have been taken between the probe and the bind: try another one.
      const portTaken = isEarlyExit(e) && /BindException|already in use/i.test(String(e.details['output']));
      if (!portTaken || options.port !== undefined || attempt >= MAX_PORT_ATTEMPTS) throw e;
    }
  }
}
