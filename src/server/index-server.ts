import { EventEmitter } from 'node:events';
import { createServer, type Server, type Socket, type AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { PeerConnection, type ConnectionHooks } from './connection.js';
import { BulkLane } from './bulk-lane.js';
import { AddressTally } from '../net/address-tally.js';
import { systemClock } from '../clock/clock.js';
import { DEFAULT_SERVER_LIMITS, type IndexServerOptions, type ServerLimits } from './options.js';
import type { IndexServerEvents } from './events.js';
import type { Store } from '../index/store.js';

/** The well-known port of the index server (PROTOCOL.md §1). */
export const DEFAULT_INDEX_PORT = 7734;

/**
 * The index server: accepts peers' long-lived connections, enforces the connection limits,
 * and tells its observers (console, metrics, dashboard) what happens through events.
 */
export class IndexServer extends EventEmitter<IndexServerEvents> {
  readonly store: Store;
  readonly limits: ServerLimits;
  readonly startedAt = Date.now();
  private readonly server: Server;
  private readonly connections = new Map<string, PeerConnection>();
  private readonly perAddress = new AddressTally();
  private readonly hooks: ConnectionHooks;
  private readonly instanceId: string;
  /** `instanceId:`, built once: a connection id is then this and its number, not three strings. */
  private readonly idPrefix: string;
  private nextId = 1;
  private closing: Promise<void> | null = null;

  constructor(options: IndexServerOptions) {
    super();
    this.store = options.store;
    this.limits = { ...DEFAULT_SERVER_LIMITS, ...options.limits };
    // Below the socket's own high-water mark 'drain' would never fire; 0 per turn would never progress.
    this.limits.maxPendingOutputBytes = Math.max(this.limits.maxPendingOutputBytes, 16384);
    this.limits.maxRequestsPerTurn = Math.max(this.limits.maxRequestsPerTurn, 1);
    this.instanceId = options.instanceId ?? options.store.instanceId ?? randomBytes(4).toString('hex');
    this.idPrefix = `${this.instanceId}:`;
    const clock = options.clock ?? (options.now === undefined ? systemClock : { ...systemClock, now: options.now });
    const now = clock.now;
    this.hooks = {
      store: this.store,
      limits: this.limits,
      now,
      clock,
      onRequest: (e) => this.emit('request', e),
      onLimit: (e) => this.emit('limit', e),
      onClosed: (conn, e) => {
        this.forget(conn);
        this.emit('disconnect', e);
      },
      onError: (err) => this.emitError(err),
      bulkLane: new BulkLane(this.limits.bulkBudgetMs, now),
    };
    // allowHalfOpen: a client may send its requests, shut down its side, and still read answers.
    this.server = createServer({ allowHalfOpen: true, noDelay: true }, (socket) => this.accept(socket));
    this.server.on('error', (err) => this.emitError(err));
  }

  /** Starts listening; resolves with the address actually bound (port 0 → the OS's pick). */
  listen(port = DEFAULT_INDEX_PORT, host = '0.0.0.0'): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.server.once('error', onError);
      this.server.listen({ port, host, backlog: 4096 }, () => {
        this.server.off('error', onError);
        const addr = this.server.address() as AddressInfo;
        const bound = { host: addr.address, port: addr.port };
        this.emit('listening', bound);
        resolve(bound);
      });
    });
  }

  get address(): { host: string; port: number } | null {
    const addr = this.server.address() as AddressInfo | null;
    return addr === null ? null : { host: addr.address, port: addr.port };
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** The connected peers, for status lines and the dashboard. */
  peers(): Iterable<PeerConnection> {
    return this.connections.values();
  }

  /** Stops accepting, closes every connection (their records go with them), closes the store. */
  close(): Promise<void> {
    if (this.closing !== null) return this.closing;
    this.closing = new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const conn of this.connections.values()) conn.shutdown();
    }).then(() => this.store.close());
    return this.closing;
  }

  private accept(socket: Socket): void {
    const remote = socket.remoteAddress ?? 'unknown';
    if (this.closing !== null) {
      socket.destroy();
      return;
    }
    const { maxConnections, maxConnectionsPerAddress } = this.limits;
    if (maxConnections > 0 && this.connections.size >= maxConnections) {
      this.reject(socket, remote, 'max-connections');
      return;
    }
    if (maxConnectionsPerAddress > 0 && this.perAddress.count(remote) >= maxConnectionsPerAddress) {
      this.reject(socket, remote, 'max-connections-per-address');
      return;
    }
    const id = this.idPrefix + this.nextId++;
    const conn = new PeerConnection(id, remote, socket.remotePort ?? 0, socket, this.hooks);
    this.connections.set(id, conn);
    this.perAddress.add(remote);
    this.emit('connect', { connectionId: id, remote: conn.remote, at: conn.connectedAt });
  }

  private reject(socket: Socket, remote: string, reason: 'max-connections' | 'max-connections-per-address'): void {
    socket.on('error', () => {});
    socket.end();
    this.emit('reject', { remote, reason });
  }

  private forget(conn: PeerConnection): void {
    if (!this.connections.delete(conn.id)) return;
    this.perAddress.remove(conn.address);
  }

  private emitError(err: Error): void {
    // An observer-less 'error' event would throw; the server must go on regardless.
    if (this.listenerCount('error') > 0) this.emit('error', err);
  }
}
