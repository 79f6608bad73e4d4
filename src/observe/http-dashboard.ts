import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { IndexServer } from '../server/index-server.js';
import { StatsCollector } from './stats.js';
import { StatsSnapshotter } from './stats-snapshot.js';
import { createMetricsRegistry } from './metrics.js';
import { DASHBOARD_CSS, DASHBOARD_HTML } from './dashboard-page.js';
import { DASHBOARD_SCRIPT } from './dashboard-client.js';

/** Longest request target (path + query) served; longer is 414, whatever the path. */
export const MAX_URL_BYTES = 2048;
/** Open HTTP connections; more are closed at once (pages and scrapers need a handful). */
export const MAX_HTTP_CONNECTIONS = 256;
/** Records a dashboard search returns; the count is always exact. */
const MAX_LOOKUP_RECORDS = 500;

export interface DashboardOptions {
  port: number;
  host?: string;
}

export interface Dashboard {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Every page and asset: no CDN, no inline script, nothing from elsewhere (a peer's title can't run code). */
const SECURITY_HEADERS = {
  'Content-Security-Policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
} as const;

/**
 * The dashboard's HTTP side: `/` (page), `/stats.json`, `/metrics`, `/lookup?rfc=N`. It reads
 * counters kept by a StatsCollector attached to the server; it never touches request handling,
 * and its own limits (connections, timeouts, URL size) keep it from slowing the index.
 */
export async function startDashboard(server: IndexServer, opts: DashboardOptions): Promise<Dashboard> {
  const stats = new StatsCollector(server);
  const snapshots = new StatsSnapshotter(stats);
  const registry = createMetricsRegistry(stats);
  const routes: Record<string, (url: URL, res: ServerResponse) => Promise<void> | void> = {
    '/': (_u, res) => send(res, 200, 'text/html; charset=utf-8', DASHBOARD_HTML),
    '/dashboard.js': (_u, res) => send(res, 200, 'text/javascript; charset=utf-8', DASHBOARD_SCRIPT),
    '/dashboard.css': (_u, res) => send(res, 200, 'text/css; charset=utf-8', DASHBOARD_CSS),
    '/stats.json': async (_u, res) => sendJson(res, 200, await snapshots.snapshot()),
    '/metrics': async (_u, res) => send(res, 200, registry.contentType, await registry.metrics()),
    '/lookup': (u, res) => lookup(server, u, res),
  };

  // Timeouts checked every 2 s (Node's default is 30 s), so a slowloris can't hold the sockets long.
  const http = createServer({ requestTimeout: 15_000, headersTimeout: 10_000, keepAliveTimeout: 5_000, connectionsCheckingInterval: 2_000 }, (req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: `dashboard failed: ${err instanceof Error ? err.message : String(err)}` });
      else res.destroy();
    });
  });
  http.maxConnections = MAX_HTTP_CONNECTIONS;
  http.on('clientError', (err: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Socket) => {
    if (!socket.writable) return socket.destroy();
    socket.end(rawResponse(clientErrorStatus(err)));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = req.url ?? '/';
    if (Buffer.byteLength(target) > MAX_URL_BYTES) return send(res, 414, 'text/plain; charset=utf-8', 'URI Too Long\n', true);
    if (req.method !== 'GET') {
      res.setHeader('Allow', 'GET');
      return send(res, 405, 'text/plain; charset=utf-8', 'Method Not Allowed\n', true);
    }
    let url: URL;
    try {
      url = new URL(target, 'http://dashboard.invalid');
    } catch {
      return send(res, 400, 'text/plain; charset=utf-8', 'Bad Request\n');
    }
    const route = Object.hasOwn(routes, url.pathname) ? routes[url.pathname] : undefined;
    if (route === undefined) return send(res, 404, 'text/plain; charset=utf-8', 'Not Found\n');
    await route(url, res);
  }

  try {
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(opts.port, opts.host ?? '127.0.0.1', () => {
        http.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    stats.detach();
    throw err;
  }
  const addr = http.address() as AddressInfo;
  let closing: Promise<void> | null = null;
  return {
    url: `http://${urlHost(addr.address)}:${addr.port}/`,
    port: addr.port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        stats.detach();
        http.close(() => resolve());
        http.closeAllConnections();
      });
      return closing;
    },
  };
}

async function lookup(server: IndexServer, url: URL, res: ServerResponse): Promise<void> {
  const raw = url.searchParams.get('rfc') ?? '';
  if (!/^\d{1,9}$/.test(raw.trim())) return sendJson(res, 400, { error: 'rfc must be a number of 1 to 9 digits' });
  const rfc = Number(raw.trim());
  const records = await server.store.lookup(rfc);
  sendJson(res, 200, { rfc, total: records.length, records: records.slice(0, MAX_LOOKUP_RECORDS) });
}

function send(res: ServerResponse, status: number, type: string, body: string, close = false): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  // A refused request may still be sending a body we don't want to read: close after answering.
  if (close) res.shouldKeepAlive = false;
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value));
}

/** Node refuses some requests before our handler sees them; answer those with the right status too. */
function clientErrorStatus(err: NodeJS.ErrnoException & { rawPacket?: Buffer }): number {
  if (err.code === 'HPE_HEADER_OVERFLOW') {
    // The request line alone overflowing means the URL is too long; otherwise the headers are.
    const raw = err.rawPacket;
    const eol = raw === undefined ? -1 : raw.indexOf('\n');
    return eol === -1 || eol > MAX_URL_BYTES ? 414 : 431;
  }
  if (err.code === 'HPE_HEADER_TIMEOUT' || err.code === 'ERR_HTTP_REQUEST_TIMEOUT') return 408;
  return 400;
}

const PHRASES: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 414: 'URI Too Long', 431: 'Request Header Fields Too Large' };

function rawResponse(status: number): string {
  const body = `${PHRASES[status] ?? 'Bad Request'}\n`;
  return `HTTP/1.1 ${status} ${PHRASES[status] ?? 'Bad Request'}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`;
}

function urlHost(address: string): string {
  if (address === '0.0.0.0' || address === '::') return '127.0.0.1';
  return address.includes(':') ? `[${address}]` : address;
}
