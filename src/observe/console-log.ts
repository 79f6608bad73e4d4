import { pino, type Logger } from 'pino';
import { STATUS_PHRASES } from '../protocol/index.js';
import type { IndexServer } from '../server/index-server.js';
import type { RequestEvent } from '../server/events.js';

export type LogFormat = 'text' | 'json';

export interface ConsoleLogOptions {
  format: LogFormat;
  /** Log every request (default) or only connections, limits and status. */
  requests: boolean;
  /** How often a status line is printed while something changed. 0 = never. */
  statusIntervalMs: number;
  /** Where text lines go; pino writes JSON to stdout. */
  write?: (line: string) => void;
}

/**
 * The server's console: one readable line per request and per connection change, plus a
 * periodic status line (peers connected, records held); or the same as pino JSON lines.
 */
export function attachConsoleLog(server: IndexServer, options: ConsoleLogOptions): () => void {
  const log = options.format === 'json' ? jsonLogger() : textLogger(options.write ?? ((l) => process.stdout.write(l + '\n')));
  const status = async () => {
    const counts = await server.store.counts();
    log.status(server.connectionCount, counts.peers, counts.records);
  };
  let changed = false;
  const onRequest = (e: RequestEvent) => {
    changed = true;
    if (options.requests) log.request(e);
  };
  server.on('request', onRequest);
  server.on('listening', (a) => log.info(`index server listening on ${a.host}:${a.port}`, { host: a.host, port: a.port }));
  server.on('connect', (e) => {
    changed = true;
    log.info(`peer connected from ${e.remote} (${server.connectionCount} connected)`, { event: 'connect', remote: e.remote });
  });
  server.on('disconnect', (e) => {
    changed = true;
    const who = e.host !== undefined ? ` ${e.host}:${e.port}` : '';
    log.info(`peer${who} from ${e.remote} left (${e.reason}); ${e.recordsDropped} records dropped (${server.connectionCount} connected)`, {
      event: 'disconnect', remote: e.remote, reason: e.reason, recordsDropped: e.recordsDropped, host: e.host, port: e.port,
    });
  });
  server.on('reject', (e) => log.warn(`refused connection from ${e.remote}: ${e.reason}`, { event: 'reject', ...e }));
  server.on('limit', (e) => log.warn(`closing ${e.remote}: ${e.reason}`, { event: 'limit', ...e }));
  server.on('error', (err) => log.warn(`error: ${err.message}`, { event: 'error', err: err.message }));
  let timer: NodeJS.Timeout | null = null;
  if (options.statusIntervalMs > 0) {
    timer = setInterval(() => {
      if (!changed) return;
      changed = false;
      status().catch(() => {});
    }, options.statusIntervalMs);
    timer.unref();
  }
  return () => {
    if (timer !== null) clearInterval(timer);
    server.off('request', onRequest);
    log.flush();
  };
}

interface Sink {
  request(e: RequestEvent): void;
  status(connections: number, peers: number, records: number): void;
  info(text: string, fields: object): void;
  warn(text: string, fields: object): void;
  flush(): void;
}

function describe(e: RequestEvent): string {
  const what = e.method === null ? '(unparsable request)' : e.method === 'LIST' ? 'LIST ALL' : `${e.method} RFC ${e.rfc}`;
  const who = e.host !== undefined ? `${e.host}:${e.port ?? '?'}` : e.remote;
  const err = e.errorCode !== undefined ? ` [${e.errorCode}]` : '';
  const dialect = e.dialect !== 'spec' ? ` [dialect ${e.dialect}]` : '';
  return `${what} from ${who} -> ${e.status} ${STATUS_PHRASES[e.status]}${err}${dialect} (${e.records} records, ${e.durationMs.toFixed(2)} ms)`;
}

function textLogger(write: (line: string) => void): Sink {
  const stamp = () => new Date().toISOString();
  return {
    request: (e) => write(`${stamp()} ${describe(e)}`),
    status: (c, p, r) => write(`${stamp()} status: ${c} connections, ${p} peers, ${r} records`),
    info: (text) => write(`${stamp()} ${text}`),
    warn: (text) => write(`${stamp()} WARN ${text}`),
    flush: () => {},
  };
}

function jsonLogger(): Sink {
  const logger: Logger = pino({ base: null, timestamp: pino.stdTimeFunctions.isoTime });
  return {
    request: (e) => logger.info({ event: 'request', ...e }, describe(e)),
    status: (connections, peers, records) => logger.info({ event: 'status', connections, peers, records }, 'status'),
    info: (text, fields) => logger.info(fields, text),
    warn: (text, fields) => logger.warn(fields, text),
    flush: () => logger.flush(),
  };
}
