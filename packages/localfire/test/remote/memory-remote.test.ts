import { createMemoryBackend } from '../../src/testing/index.js';
import type { MemoryRemote } from '../../src/testing/index.js';
import type { RemotePort } from '../../src/index.js';
import { lists, todos } from '../fixtures/todo.js';
import { describeRemoteContract } from './remote-contract.js';

describeRemoteContract('in-memory', {
  setup() {
    const denied: string[] = [];
    const backend = createMemoryBackend({
      collections: [lists, todos],
      rules: ({ path }) => !denied.some((prefix) => path === prefix || path.startsWith(`${prefix}/`)),
    });
    const clients = new Map<RemotePort, MemoryRemote>();
    return Promise.resolve({
      connect(userId: string | null) {
        const client = backend.connect({ userId });
        clients.set(client, client);
        return Promise.resolve(client);
      },
      setOnline(client: RemotePort, online: boolean) {
        clients.get(client)?.setOnline(online);
        return Promise.resolve();
      },
      writeRaw(path: string, data: Record<string, unknown>) {
        backend.injectRaw(path, data);
        return Promise.resolve();
      },
      deny(prefix: string) {
        denied.push(prefix);
        return Promise.resolve();
      },
      teardown: () => Promise.resolve(),
    });
  },
});

