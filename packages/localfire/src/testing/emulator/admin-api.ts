/*
 * The emulator's own HTTP endpoints (not part of Firestore's API): clearing a project's data
 * and loading security rules for one project.
 */
import { LocalfireError } from '../../errors.js';

async function call(url: string, init: RequestInit, what: string): Promise<void> {
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch (cause) {
    throw new LocalfireError('offline', `Firestore emulator unreachable while trying to ${what} (${url})`, { cause });
  }
  if (!response.ok) {
    const body = await response.text().catch(() => '');
    throw new LocalfireError('internal', `Firestore emulator refused to ${what}: HTTP ${response.status} ${body}`, {
      details: { status: response.status, url },
    });
  }
}

/** Deletes every document of `projectId` (default database). Other projects are untouched. */
export async function clearEmulatorProject(hostAndPort: string, projectId: string): Promise<void> {
  const url = `http://${hostAndPort}/emulator/v1/projects/${encodeURIComponent(projectId)}/databases/(default)/documents`;
  await call(url, { method: 'DELETE' }, `clear project ${projectId}`);
}

/**
 * Replaces the security rules of `projectId` only. Projects without their own rules use the
 * rules the emulator was started with (`--rules`), or allow everything when there were none.
 * Rejects with `internal` when the emulator refuses the rules (e.g. a syntax error).
 */
export async function setEmulatorProjectRules(hostAndPort: string, projectId: string, source: string): Promise<void> {
  const url = `http://${hostAndPort}/emulator/v1/projects/${encodeURIComponent(projectId)}:securityRules`;
  const body = JSON.stringify({ rules: { files: [{ name: 'firestore.rules', content: source }] } });
  await call(url, { method: 'PUT', headers: { 'content-type': 'application/json' }, body }, `load rules for ${projectId}`);
}
