import { pino, type Logger } from 'pino';
import { STATUS_PHRASES } from '../protocol/index.js';
import type { IndexServer } from '../server/index-server.js';
import type { RequestEvent } from '../server/events.js';
import { consoleLine, setDropNotice, stdoutLog } from './console-out.js';

export type LogFormat = 'text' | 'json';

export interface ConsoleLogOptions {
  format: LogFormat;
  /** Log every request (default) or only connections, limits and status. */
  requests: boolean;
  /** How often a status line is printed while something changed. 0 = never. */
  statusIntervalMs: number;
  /** Where lines go (without their newline); by default the process's buffered stdout. */
  write?: (line: string) => void;
}

/**
 * The server's console: one readable line per request and per connection change, plus a
 * periodic status line (peers connected, records held); or the same as pino JSON lines.
 */
export function attachConsoleLog(server: IndexServer, options: ConsoleLogOptions): () => void {
  const write = options.write ?? consoleLine;
  const log = options.format === 'json' ? jsonLogger(write) : textLogger(write);
  if (options.write === undefined) setDropNotice((n) => log.dropNotice(n));
  const status = async () => {
    const counts = await server.store.counts();
    log.status(server.connectionCount, counts.peers, counts.records, options.write === undefined ? stdoutLog().dropped : 0);
  };
  let changed = false;
  const toStdout = options.write === undefined;
  const onRequest = (e: RequestEvent) => {
    changed = true;
    if (!options.requests) return;
    // stdout not keeping up: the line would be dropped, so it is counted without being built.
    if (toStdout && stdoutLog().full) stdoutLog().drop();
    else log.request(e);
  };
  server.on('request', onRequest);
  server.on('listening', (a) => {
    log.info(`index server listening on ${a.host}:${a.port}`, { host: a.host, port: a.port });
    if (options.write === undefined) stdoutLog().flush(); // whoever waits for this line gets it at once
  });
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
  };
}

interface Sink {
  request(e: RequestEvent): void;
  /** `dropped`: console lines lost so far because stdout did not keep up (shown when not 0). */
  status(connections: number, peers: number, records: number, dropped: number): void;
  info(text: string, fields: object): void;
  warn(text: string, fields: object): void;
  dropNotice(dropped: number): string;
}

let stampedMs = 0;
let stampedIso = '';
/** The ISO time, formatted once per millisecond however many lines share it. */
function stamp(): string {
  const now = Date.now();
  if (now !== stampedMs) {
    stampedMs = now;
    stampedIso = new Date(now).toISOString();
  }
  return stampedIso;
}

function describe(e: RequestEvent): string {
  const what = e.method === null ? '(unparsable request)' : e.method === 'LIST' ? 'LIST ALL' : `${e.method} RFC ${e.rfc}`;
  const who = e.host !== undefined ? `${e.host}:${e.port ?? '?'}` : e.remote;
  const err = e.errorCode !== undefined ? ` [${e.errorCode}]` : '';
  const dialect = e.dialect !== 'spec' ? ` [dialect ${e.dialect}]` : '';
  return `${what} from ${who} -> ${e.status} ${STATUS_PHRASES[e.status]}${err}${dialect} (${e.records} records, ${fixed2(e.durationMs)} ms)`;
}

/** `ms.toFixed(2)` at a third of its cost (one per request line). */
function fixed2(ms: number): string {
  if (!(ms >= 0 && ms < 1e9)) return ms.toFixed(2);
  const hundredths = Math.round(ms * 100);
  const whole = Math.floor(hundredths / 100);
  const frac = hundredths - whole * 100;
  return frac < 10 ? `${whole}.0${frac}` : `${whole}.${frac}`;
}

const droppedText = (n: number) => `${n} log lines dropped: stdout was not keeping up`;
const droppedSuffix = (n: number) => (n > 0 ? `; ${n} log lines dropped` : '');

function textLogger(write: (line: string) => void): Sink {
  return {
    request: (e) => write(`${stamp()} ${describe(e)}`),
    status: (c, p, r, d) => write(`${stamp()} status: ${c} connections, ${p} peers, ${r} records${droppedSuffix(d)}`),
    info: (text) => write(`${stamp()} ${text}`),
    warn: (text) => write(`${stamp()} WARN ${text}`),
    dropNotice: (n) => `${stamp()} WARN ${droppedText(n)}`,
  };
}

/**
 * pino's line format (level, time, fields, msg). The request line — the one per request — is
 * built by hand: the same bytes pino writes for `{ event: 'request', ...e }`, at a fraction of
 * its cost; everything else goes through pino into the same buffered writer.
 */
function jsonLogger(write: (line: string) => void): Sink {
  const destination = { write: (s: string) => write(s.endsWith('\n') ? s.slice(0, -1) : s) };
  const logger: Logger = pino({ base: null, timestamp: () => `,"time":"${stamp()}"` }, destination);
  return {
    request: (e) => write(requestJson(e)),
    status: (connections, peers, records, droppedLines) =>
      logger.info({ event: 'status', connections, peers, records, ...(droppedLines > 0 ? { droppedLines } : {}) }, 'status'),
    info: (text, fields) => logger.info(fields, text),
    warn: (text, fields) => logger.warn(fields, text),
    dropNotice: (n) => JSON.stringify({ level: 40, time: stamp(), event: 'log-dropped', droppedLines: n, msg: droppedText(n) }),
  };
}

/** Characters JSON must escape; anything else (UTF-8 included) goes between quotes as it is. */
const NEEDS_ESCAPE = /["\\\u0000-\u001f]/;
/** JSON.stringify of a string costs ~10 times this check (it flattens and scans a built string). */
const q = (s: string) => (NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`);

function requestJson(e: RequestEvent): string {
  // The message is made of fixed words, numbers, the server's own remote address and the
  // peer's Host header: safe between quotes unless that header is.
  const hostSafe = e.host === undefined || !NEEDS_ESCAPE.test(e.host);
  let s = `{"level":30,"time":"${stamp()}","event":"request","connectionId":"${e.connectionId}","remote":"${e.remote}","method":${e.method === null ? 'null' : `"${e.method}"`},"rfc":${e.rfc}`;
  if (e.host !== undefined) s += `,"host":${hostSafe ? `"${e.host}"` : q(e.host)}`;
  if (e.port !== undefined) s += `,"port":${e.port}`;
  s += `,"status":${e.status},"records":${e.records}`;
  if (e.errorCode !== undefined) s += `,"errorCode":"${e.errorCode}"`;
  if (e.completion !== undefined) s += `,"completion":"${e.completion}"`;
  return `${s},"durationMs":${e.durationMs},"bytesIn":${e.bytesIn},"dialect":"${e.dialect}","msg":${hostSafe ? `"${describe(e)}"` : q(describe(e))}}`;
}
