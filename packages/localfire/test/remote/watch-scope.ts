// One subscription of a remote recorded for a test: every change, checkpoint and error.
import type { Checkpoint, LocalfireError, RemoteChange, RemotePort, RemoteScope } from '../../src/index.js';

export const idOf = (c: RemoteChange): string => ('doc' in c ? c.doc.id : c.id);

export function watch(remote: Pick<RemotePort, 'subscribe'>, scope: RemoteScope, from: Checkpoint | null = null) {
  const changes: RemoteChange[] = [];
  const checkpoints: (Checkpoint | null)[] = [];
  const errors: LocalfireError[] = [];
  const subscription = remote.subscribe(scope, from, {
    onChanges(batch, checkpoint) {
      changes.push(...batch);
      checkpoints.push(checkpoint);
    },
    onError: (e) => errors.push(e),
  });
  return { changes, checkpoints, errors, subscription, ids: () => changes.map(idOf) };
}
