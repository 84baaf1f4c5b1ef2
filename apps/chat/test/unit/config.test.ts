import { describe, expect, it } from 'vitest';
import { readConfig, urlForUser } from '../../src/platform/config.js';

describe('app config', () => {
  it('takes project, emulator and user from the URL before the env', () => {
    const config = readConfig(
      { search: '?project=demo-x&emulator=127.0.0.1:9100&user=bob' },
      { VITE_LOCALFIRE_PROJECT_ID: 'demo-env', VITE_FIRESTORE_EMULATOR_HOST: 'localhost:8080' },
    );
    expect(config).toEqual({ projectId: 'demo-x', emulatorHost: '127.0.0.1', emulatorPort: 9100, userId: 'bob' });
  });

  it('falls back to the env npm start sets, then to defaults; an empty user is signed out', () => {
    expect(readConfig({ search: '?user=' }, { VITE_LOCALFIRE_PROJECT_ID: 'demo-env', VITE_FIRESTORE_EMULATOR_HOST: '[::1]:8081' }))
      .toEqual({ projectId: 'demo-env', emulatorHost: '::1', emulatorPort: 8081, userId: null });
    expect(readConfig({ search: '' }, {})).toEqual({ projectId: 'demo-localfire-chat', emulatorHost: '127.0.0.1', emulatorPort: 8080, userId: null });
  });

  it('signs in and out by setting or removing the user in the URL, keeping the rest', () => {
    const signedIn = urlForUser('http://127.0.0.1:5173/?project=demo-x#c=abc', 'carol');
    expect(signedIn).toBe('http://127.0.0.1:5173/?project=demo-x&user=carol#c=abc');
    expect(urlForUser(signedIn, null)).toBe('http://127.0.0.1:5173/?project=demo-x#c=abc');
  });
});
