// Server code writing a literal updatedAt far from the commit: the document is applied, reported
// as a `suspect-timestamp` log event and counted in the status; a normal write is not. Over the
// in-memory remote (server writes with a literal time).
import { afterEach, describe, expect, it } from 'vitest';
import type { FieldChange, RemoteWrite } from '../../src/index.js';
import { liveRows, newBackend, openDevice, until, USER } from './helpers.js';
import type { Device } from './helpers.js';

const set = (value: unknown): FieldChange => ({ op: 'set', value });
const listWrite = (id: string): RemoteWrite => ({ mutationId: `server-${id}`, collection: 'lists', id, path: `lists/${id}`, op: 'set', fields: { name: set(`list ${id}`), ownerId: set(USER) } });
const HOUR_MS = 3_600_000;

describe('suspect timestamps', () => {
  let device: Device | null = null;
  afterEach(async () => {
    await device?.close();
    device = null;
  });

  it('applies and reports a document stamped an hour ahead or behind its commit, and not one stamped by the server', async () => {
    const backend = newBackend();
    device = await openDevice(backend);
    backend.serverWrite([listWrite('normal')]);
    backend.serverWrite([listWrite('ahead')], { updatedAt: new Date(Date.now() + HOUR_MS) });
    backend.serverWrite([listWrite('behind')], { updatedAt: new Date(Date.now() - HOUR_MS) });
    await until(async () => (await liveRows(device!.store, 'lists')).length === 3, 'all three lists applied');
    await until(() => device!.engine.status.get().suspectTimestamps.count === 2, 'two suspects counted');
    const { recent } = device.engine.status.get().suspectTimestamps;
    expect(recent.map((s) => [s.id, Math.sign(s.skewMs)]).sort()).toEqual([['ahead', 1], ['behind', -1]]);
    expect(recent.every((s) => Math.abs(s.skewMs) > 0.9 * HOUR_MS && s.path === `lists/${s.id}`)).toBe(true);
    const logged = device.engine.log.entries().filter((e) => e.type === 'suspect-timestamp').map((e) => ('id' in e ? e.id : ''));
    expect(logged.sort()).toEqual(['ahead', 'behind']);
  });
});
