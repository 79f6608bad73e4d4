import { Command, Option } from 'commander';
import { IndexServer, DEFAULT_INDEX_PORT } from '../server/index-server.js';
import { DEFAULT_SERVER_LIMITS, type ServerLimits } from '../server/options.js';
import { addStoreFlags, openStoreOrExit, type StoreFlags } from './store-flags.js';
import { attachConsoleLog, type LogFormat } from '../observe/console-log.js';
import { consoleLine, stdoutLog } from '../observe/console-out.js';
import type { Dashboard } from '../observe/http-dashboard.js';
import { integer, portNumber } from './parse.js';
import { envOption } from './env-option.js';
import type { Store } from '../index/store.js';

/** Each server limit and its flag; defaults come from DEFAULT_SERVER_LIMITS (listed in the README). */
type NumericLimit = { [K in keyof ServerLimits]: ServerLimits[K] extends number ? K : never }[keyof ServerLimits];
const LIMIT_FLAGS: ReadonlyArray<[NumericLimit, string, string]> = [
  ['maxLineBytes', '--max-line-bytes <n>', 'longest request line or header line, in bytes'],
  ['maxHeaders', '--max-headers <n>', 'most header lines in one request'],
  ['maxRequestBytes', '--max-request-bytes <n>', 'largest request (request line and headers), in bytes'],
  ['maxTitleLength', '--max-title-length <n>', 'longest title, in characters'],
  ['maxRecordsPerPeer', '--max-records-per-peer <n>', 'records one connection may hold (0 = unlimited)'],
  ['maxConnections', '--max-connections <n>', 'open connections in total (0 = unlimited)'],
  ['maxConnectionsPerAddress', '--max-connections-per-address <n>', 'open connections from one IP address (0 = unlimited)'],
  ['maxRequestsPerSecond', '--max-requests-per-second <n>', 'sustained requests per second per connection (0 = unlimited)'],
  ['headerTimeoutMs', '--header-timeout-ms <n>', 'a request must be complete this long after its first byte (0 = off)'],
  ['idleCompletionMs', '--idle-completion-ms <n>', 'silence after which a request without its empty line is processed'],
  ['keepAliveMs', '--keepalive-ms <n>', 'TCP keepalive delay that detects vanished peers (0 = off)'],
  ['maxPendingOutputBytes', '--max-pending-output-bytes <n>', 'answer bytes queued for a peer before the server stops reading it'],
  ['maxConsecutiveErrors', '--max-consecutive-errors <n>', 'bad requests in a row after which a connection is closed (0 = never)'],
  ['maxRequestsPerTurn', '--max-requests-per-turn <n>', 'requests answered for one peer before the others get a turn'],
  ['bulkBudgetMs', '--bulk-budget-ms <n>', 'ms of pipelined bulk work per event-loop turn, so interactive peers never wait behind floods (0: one bulk peer per turn)'],
];

export interface ServerCommandOptions extends Partial<ServerLimits>, Partial<StoreFlags> {
  port: number;
  host: string;
  logFormat: LogFormat;
  quiet: boolean;
  statusInterval: number;
  /** Dashboard port (off when undefined). */
  http?: number;
  httpHost: string;
  /** Spec bytes only: no dialect adaptation (DIALECTS.md). */
  strict: boolean;
}

export function registerServerCommand(program: Command): void {
  const cmd = program
    .command('server')
    .description(`run the index server (default port ${DEFAULT_INDEX_PORT})`)
    .addOption(envOption('-p, --port <port>', 'TCP port to listen on (0: the OS picks)').argParser(portNumber).default(DEFAULT_INDEX_PORT))
    .addOption(envOption('-H, --host <address>', 'address to listen on').default('0.0.0.0'))
    .addOption(envOption('--log-format <format>', 'console output').choices(['text', 'json']).default('text'))
    .addOption(envOption('-q, --quiet', 'do not log every request (connections, limits and status still show)').default(false))
    .addOption(envOption('--status-interval <ms>', 'status line interval while anything changes (0: never)').argParser(integer(0)).default(10_000))
    .addOption(envOption('--http <port>', 'serve the live dashboard, /stats.json and /metrics on this port (0: the OS picks)').argParser(portNumber))
    .addOption(envOption('--http-host <address>', 'address the dashboard listens on').default('127.0.0.1'))
    .addOption(envOption('--strict', 'spec bytes only: answer no client in its dialect (DIALECTS.md)').default(false));
  for (const [key, flag, help] of LIMIT_FLAGS) {
    cmd.addOption(envOption(flag, help).argParser(integer(0)).default(DEFAULT_SERVER_LIMITS[key]));
  }
  addStoreFlags(cmd);
  cmd.action(async (opts: ServerCommandOptions) => {
    await runServer(opts, await openStoreOrExit(opts, opts.logFormat));
  });
}

export async function runServer(opts: ServerCommandOptions, store: Store): Promise<IndexServer> {
  const limits: Partial<ServerLimits> = { dialects: !opts.strict };
  for (const [key, flag] of LIMIT_FLAGS) {
    // Commander names the value after the flag (`--keepalive-ms` → keepaliveMs), not after our key.
    const value = (opts as unknown as Record<string, number | undefined>)[new Option(flag).attributeName()];
    if (value !== undefined) limits[key] = value;
  }
  const server = new IndexServer({ store, limits });
  const detach = attachConsoleLog(server, { format: opts.logFormat, requests: !opts.quiet, statusIntervalMs: opts.statusInterval });
  let dashboard: Dashboard | null = null;
  // Loaded only with --http (a plain server doesn't pay for prom-client), and while the
  // server starts, so that once it listens the counters attach without waiting for I/O.
  const dashboardModule = opts.http !== undefined ? import('../observe/http-dashboard.js') : null;
  // Handlers go in before listening: a Ctrl-C right after the "listening" line must shut
  // down cleanly (exit 0), not meet the default action (killed by the signal).
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    const at = new Date().toISOString();
    // Keep stdout one format: JSON lines stay parseable with --log-format json.
    const line = opts.logFormat === 'json' ? JSON.stringify({ level: 30, time: at, event: 'shutdown', signal, msg: `${signal}: shutting down` }) : `${at} ${signal}: shutting down`;
    consoleLine(line);
    stdoutLog().flush();
    const force = setTimeout(() => process.exit(0), 5000);
    force.unref();
    Promise.all([server.close(), dashboard?.close()]).finally(() => {
      detach();
      process.exit(0);
    });
  };
  // SIGHUP too (the terminal closed): the console's last buffered lines are flushed on the way out.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => stop(signal));
  try {
    await server.listen(opts.port, opts.host);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const reason = e.code === 'EADDRINUSE' ? `port ${opts.port} is already in use` : e.message;
    process.stderr.write(`p2pci server: cannot listen on ${opts.host}:${opts.port}: ${reason}\n`);
    process.exit(1);
  }
  if (opts.http !== undefined && dashboardModule !== null) {
    try {
      dashboard = await (await dashboardModule).startDashboard(server, { port: opts.http, host: opts.httpHost });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      const reason = e.code === 'EADDRINUSE' ? `port ${opts.http} is already in use` : e.message;
      process.stderr.write(`p2pci server: cannot serve the dashboard on ${opts.httpHost}:${opts.http}: ${reason}\n`);
      process.exit(1);
    }
    const msg = `dashboard on ${dashboard.url}`;
    // Keep stdout one format: JSON lines stay parseable with --log-format json.
    const line = opts.logFormat === 'json' ? JSON.stringify({ level: 30, time: new Date().toISOString(), event: 'dashboard', url: dashboard.url, msg }) : msg;
    consoleLine(line);
    stdoutLog().flush();
  }
  return server;
}
