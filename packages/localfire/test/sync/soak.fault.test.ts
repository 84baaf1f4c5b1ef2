/*
 * Randomized soak over the in-memory remote: 3 devices, random operations, offline periods,
 * injected write failures (some after the server committed), duplicated deliveries and late
 * commits (writes stamped when they start and committed after writes stamped later).
 * At the end every device's rows equal the server's documents, and every write exists once.
 * Replay a failure with SOAK_SEED=<seed> (the seed is printed).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { isLocalfireError } from '../../src/index.js';
import { lists, todos } from '../fixtures/todo.js';
import { list, liveRows, newBackend, openDevice, serverRows, todo, until } from './helpers.js';
import type { Device } from './helpers.js';
import { prng } from '../../../../test-support/prng.js';

const OPS_PER_DEVICE = Number(process.env['SOAK_OPS'] ?? 600);

describe('soak', () => {
  const open: Device[] = [];
  afterEach(async () => {
    for (const d of open.splice(0)) await d.close();
  });

  it('3 devices, random ops, faults, late commits and offline periods converge to the server', async () => {
    const seed = Number(process.env['SOAK_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
    console.log(`soak seed: ${seed} (replay with SOAK_SEED=${seed})`);
    const random = prng(seed);
    const pick = <T>(xs: readonly T[]): T | undefined => xs[Math.floor(random() * xs.length)];
    const backend = newBackend();
    const devices: Device[] = [];
    for (let i = 0; i < 3; i++) {
      const d = await openDevice(backend, { engine: { backoff: { baseMs: 2, maxDelayMs: 20, maxRetries: 3 }, pushDeadlineMs: 2000, random } });
      devices.push(d);
      open.push(d);
    }
    const created = new Set<string>();
    const tagsAdded = new Map<string, Set<string>>();
    const counts = { create: 0, update: 0, union: 0, delete: 0, list: 0, offline: 0, failures: 0, late: 0, skipped: 0 };

    await devices[0]!.store.repo(lists).create(list('initial'));
    created.add('lists/initial');

    for (let step = 0; step < OPS_PER_DEVICE * devices.length; step++) {
      const d = devices[step % devices.length]!;
      const r = random();
      try {
        if (r < 0.03) {
          counts.offline++;
          d.remote.setOnline(d.remote.connectionState !== 'online');
        } else if (r < 0.06) {
          counts.failures++;
          d.remote.failNextWrites(1 + Math.floor(random() * 3), pick(['internal', 'quota', 'timeout'] as const)!, { afterCommit: random() < 0.5 });
        } else if (r < 0.07) {
          d.remote.duplicateDeliveries(random() < 0.5);
        } else if (r < 0.08) {
          d.remote.setLatency(random() < 0.5 ? 0 : 1 + Math.floor(random() * 3));
        } else if (r < 0.095) {
          // Late commits: stamped when they reach the server, committed after writes stamped later.
          counts.late++;
          d.remote.commitLate(1 + Math.floor(random() * 3), { lagMs: 1 + Math.floor(random() * 30) });
        } else if (r < 0.115) {
          const id = `l${step}`;
          await d.store.repo(lists).create(list(id));
          created.add(`lists/${id}`);
          counts.list++;
        } else {
          const localLists = await d.store.repo(lists).query({});
          const localTodos = await d.store.repo(todos).query({ where: { done: random() < 0.5 }, limit: 40 });
          const target = pick(localTodos);
          const op = random();
          if (op < 0.35 || !target) {
            const l = pick(localLists);
            if (!l) {
              counts.skipped++;
              continue;
            }
            const id = `t${step}`;
            await d.store.repo(todos).create(todo(l.id, id, { position: step, tags: random() < 0.3 ? ['seed'] : [] }));
            created.add(`lists/${l.id}/todos/${id}`);
            counts.create++;
          } else if (op < 0.7) {
            await d.store.repo(todos).update(target.id, random() < 0.5 ? { title: `title ${step}` } : { done: !target.done, position: step });
            counts.update++;
          } else if (op < 0.9) {
            const tag = `g${Math.floor(random() * 8)}`;
            await d.store.repo(todos).addToSet(target.id, { tags: [tag] });
            tagsAdded.set(target.id, (tagsAdded.get(target.id) ?? new Set()).add(tag));
            counts.union++;
          } else {
            await d.store.repo(todos).delete(target.id);
            counts.delete++;
          }
        }
      } catch (e) {
        // A row deleted or changed by another device between the read and the write.
        if (!isLocalfireError(e, 'not-found')) throw e;
        counts.skipped++;
      }
      if (step % 7 === 0) await new Promise((resolve) => setTimeout(resolve, 0));
    }

    const opsDoneAt = Date.now();
    for (const d of devices) {
      d.remote.setOnline(true);
      d.remote.duplicateDeliveries(false);
      d.remote.setLatency(0);
    }
    await until(async () => {
      for (const d of devices) await d.engine.forceSync();
      const stats = await Promise.all(devices.map((d) => d.store.sync.outboxStats()));
      return stats.every((s) => s.pending === 0 && s.failed === 0);
    }, 'every outbox drained');
    for (const collection of ['lists', 'todos'] as const) {
      const converged = async () => {
        const server = JSON.stringify(serverRows(backend, collection));
        for (const d of devices) if (JSON.stringify(await liveRows(d.store, collection)) !== server) return false;
        return true;
      };
      await until(converged, `every device's ${collection} equal the server's`).catch(async (e: unknown) => {
        const server = new Map(serverRows(backend, collection).map((row) => [row['id'], JSON.stringify(row)]));
        for (const [i, d] of devices.entries()) {
          const local = new Map((await liveRows(d.store, collection)).map((row) => [row['id'], JSON.stringify(row)]));
          for (const id of new Set([...server.keys(), ...local.keys()])) {
            if (server.get(id) !== local.get(id)) console.log(`device ${i} ${String(id)}: local ${local.get(id)} server ${server.get(id)}`);
          }
        }
        throw e;
      });
    }
    console.log(`soak counts: ${JSON.stringify(counts)}; converged ${Date.now() - opsDoneAt} ms after the last op`);

    // Every acknowledged write exists exactly once: one document per created path, no other.
    const paths = backend.documents().map((doc) => doc.path);
    expect(new Set(paths).size).toBe(paths.length);
    expect([...paths].sort()).toEqual([...created].sort());
    for (const doc of backend.documents()) {
      const tags = (doc.data['tags'] as string[] | undefined) ?? [];
      expect(new Set(tags).size).toBe(tags.length);
      if (!doc.deleted) for (const tag of tagsAdded.get(doc.id) ?? []) expect(tags).toContain(tag);
    }
    for (const d of devices) {
      await d.engine.whenIdle();
      expect(d.engine.status.get()).toMatchObject({ pendingCount: 0, failedCount: 0 });
      expect((await d.store.repo(todos).readAll()).every((t) => t.$meta.syncStatus === 'synced')).toBe(true);
    }
    expect(counts.create + counts.update + counts.union + counts.delete + counts.list).toBeGreaterThan(OPS_PER_DEVICE * 3 * 0.8);
  }, 60_000);
});
