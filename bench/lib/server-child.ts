import { IndexServer } from '../../src/server/index-server.js';
import { MemoryStore } from '../../src/index/memory-store.js';
import type { ServerLimits } from '../../src/server/options.js';
import { serveParent } from './child-main.js';
import { wallNow, type CountReport, type EmptyReport } from './ipc.js';

/**
 * The index server under test, alone in its own process so its CPU and RSS are its own.
 * Usage (via fork): server-child.js '<limits as JSON>'.
 */
const limits = JSON.parse(process.argv[2] ?? '{}') as Partial<ServerLimits>;
const store = new MemoryStore();
const server = new IndexServer({ store, limits });
server.on('error', (err) => process.stderr.write(`server-child: ${err.message}\n`));
const { port } = await server.listen(0, '127.0.0.1');

/** TCP sockets this process still holds a handle for (the listener and IPC pipe are not). */
function openSockets(): number {
  let n = 0;
  for (const kind of process.getActiveResourcesInfo()) if (kind === 'TCPSocketWrap') n++;
  return n;
}

/**
 * The mass-disconnect clock, measured here where the cleanup happens: one listener, installed
 * only when asked, notes the first disconnect and the one that leaves the server with only
 * `left` (nothing, or what the bench holds besides the leaving peers); then the socket handles
 * are counted (one pass a turn, after that) until only `left.connections` are open.
 */
function whenEmpty(left: CountReport): Promise<EmptyReport> {
  return new Promise((resolve) => {
    let firstDisconnectAt = 0;
    const onDisconnect = () => {
      if (firstDisconnectAt === 0) firstDisconnectAt = wallNow();
      if (server.connectionCount > left.connections || store.counts().records > left.records) return;
      const emptyAt = wallNow();
      server.off('disconnect', onDisconnect);
      const waitSockets = () => {
        if (openSockets() > left.connections) return void setImmediate(waitSockets);
        resolve({ firstDisconnectAt, emptyAt, socketsClosedAt: wallNow() });
      };
      waitSockets();
    };
    server.on('disconnect', onDisconnect);
  });
}

serveParent(port, () => ({ connections: server.connectionCount, records: store.counts().records }), whenEmpty);
