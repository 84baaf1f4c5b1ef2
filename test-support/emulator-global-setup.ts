// Vitest global setup: ONE Firestore emulator for the whole run, with the chat rules as every
// project's default. Test files share it and isolate themselves by project id (see
// ./firestore.ts). Uses FIRESTORE_EMULATOR_HOST instead when it is set. When no emulator can
// be found this throws (with install instructions) and the run fails: emulator tests never skip.
import type { TestProject } from 'vitest/node';
import type * as EmulatorHarness from 'localfire/testing/emulator';
import { warmUpEmulator } from './emulator-warm-up.js';
import { CHAT_RULES_PATH } from './paths.js';
import type {} from './provided-context.js';

// Loaded by path at run time: Vitest resolves global setups without the `localfire-source`
// condition, so the bare specifier would point at the package's (unbuilt) dist/.
const HARNESS_URL = new URL('../packages/localfire/src/testing/emulator/index.ts', import.meta.url).href;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const { startFirestoreEmulator } = (await import(HARNESS_URL)) as typeof EmulatorHarness;
  const emulator = await startFirestoreEmulator({ rulesPath: CHAT_RULES_PATH });
  try {
    await warmUpEmulator(emulator.hostAndPort);
  } catch (e) {
    await emulator.stop();
    throw e;
  }
  project.provide('firestoreEmulatorHost', emulator.hostAndPort);
  return () => emulator.stop();
}
