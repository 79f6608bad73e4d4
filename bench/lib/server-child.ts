import { IndexServer } from '../../src/server/index-server.js';
import { MemoryStore } from '../../src/index/memory-store.js';
import type { ServerLimits } from '../../src/server/options.js';
import { serveParent } from './child-main.js';

/**
 * The index server under test, alone in its own process so its CPU and RSS are its own.
 * Usage (via fork): server-child.js '<limits as JSON>'.
 */
const limits = JSON.parse(process.argv[2] ?? '{}') as Partial<ServerLimits>;
const server = new IndexServer({ store: new MemoryStore(), limits });
server.on('error', (err) => process.stderr.write(`server-child: ${err.message}\n`));
const { port } = await server.listen(0, '127.0.0.1');
serveParent(port, async () => ({ connections: server.connectionCount, records: (await server.store.counts()).records }));
