import { IndexServer, DEFAULT_INDEX_PORT } from '../server/index-server.js';
import type { ServerLimits } from '../server/options.js';
import type { IndexServerEvents } from '../server/events.js';
import { MemoryStore } from '../index/memory-store.js';
import { storeFromUrl } from '../index/store-from-url.js';
import type { Store } from '../index/store.js';

export interface IndexServerStartOptions {
  /** TCP port (default 7734; 0: the OS picks, see `address.port`). */
  port?: number;
  /** Address to listen on (default all: `0.0.0.0`). */
  host?: string;
  /** A Store, or a store URL (`memory`, `redis://host:port`); default an in-memory store. */
  store?: Store | string;
  /** Any of the limits `p2pci server` has flags for; the rest keep their defaults. */
  limits?: Partial<ServerLimits>;
}

export interface RunningIndexServer {
  /** The address actually bound. */
  readonly address: { host: string; port: number };
  /** The server's events (request, connect, disconnect, limit, …), as the console log and dashboard use them. */
  on<K extends keyof IndexServerEvents>(event: K, listener: (...args: IndexServerEvents[K]) => void): RunningIndexServer;
  /** Closes every peer connection, stops listening and closes the store. */
  close(): Promise<void>;
}

/** Starts an index server (what `p2pci server` runs) and resolves once it listens. */
export async function startIndexServer(options: IndexServerStartOptions = {}): Promise<RunningIndexServer> {
  const store = typeof options.store === 'string' ? await storeFromUrl(options.store) : (options.store ?? new MemoryStore());
  const server = new IndexServer({ store, limits: options.limits });
  let address: { host: string; port: number };
  try {
    address = await server.listen(options.port ?? DEFAULT_INDEX_PORT, options.host ?? '0.0.0.0');
  } catch (err) {
    await server.close();
    throw err;
  }
  const running: RunningIndexServer = {
    address,
    on(event, listener) {
      server.on(event, listener as never);
      return running;
    },
    close: () => server.close(),
  };
  return running;
}
