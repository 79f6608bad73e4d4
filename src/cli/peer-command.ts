import { Command, Option } from 'commander';
import { Peer } from '../peer/peer.js';
import { mkdir } from 'node:fs/promises';
import { byteRate, hostPort, integer, portNumber } from './parse.js';
import { envOption } from './env-option.js';
import { DEFAULT_MAX_SOURCES } from '../peer/swarm/swarm-download.js';
import {
  DEFAULT_HEAD_PAUSE_MS, DEFAULT_UPLOAD_IDLE_TIMEOUT_MS, DEFAULT_UPLOAD_TOTAL_TIMEOUT_MS, DEFAULT_MAX_UPLOADS, DEFAULT_MAX_UPLOADS_PER_ADDRESS, DEFAULT_UPLOAD_LIMITS,
} from '../peer/upload-server.js';
import { MenuActions } from './menu-actions.js';
import { runLineMenu } from './menu-lines.js';
import { runInteractiveMenu } from './menu-interactive.js';
import { DEFAULT_INDEX_PORT } from '../server/index-server.js';
import type { PeerAddress } from '../protocol/index.js';

export const DEFAULT_SERVER = `127.0.0.1:${DEFAULT_INDEX_PORT}`;

export interface PeerCommandOptions {
  dir: string;
  server: PeerAddress;
  uploadPort: number;
  uploadHost?: string;
  advertiseHost?: string;
  uploadIdleTimeoutMs: number;
  uploadTotalTimeoutMs: number;
  maxUploads: number;
  maxUploadsPerAddress: number;
  uploadMaxLineBytes: number;
  uploadMaxHeaders: number;
  uploadMaxRequestBytes: number;
  uploadHeadPauseMs: number;
  strict: boolean;
  uploadLimit?: number;
  maxSources: number;
}

/** `--max-sources K`, shared by `peer` (menu item 4) and `get`. */
export function maxSourcesOption(): Option {
  return envOption('--max-sources <k>', 'sources a download fetches from at once (1: one peer at a time, no extensions)').argParser(integer(1, 64)).default(DEFAULT_MAX_SOURCES);
}

/** `--server host:port`, shared by `peer` and the one-shot commands. */
export function serverOption(): Option {
  return envOption('-s, --server <host:port>', 'index server').argParser(hostPort(DEFAULT_INDEX_PORT)).default(hostPort(DEFAULT_INDEX_PORT)(DEFAULT_SERVER), DEFAULT_SERVER);
}

/** `--upload-host`, shared by `peer` and the one-shot commands (only `peer` and `get` run an upload server). */
export function uploadHostOption(help = 'address the upload server listens on (default: all interfaces, so other machines reach it)'): Option {
  return envOption('--upload-host <address>', help);
}

/** The folder `peer` shares when neither --dir nor P2PCI_DIR says (the original client's `rfc`). */
export const DEFAULT_PEER_DIR = './rfc';

/** `--strict`, shared by `peer` and the one-shot commands. */
export function strictOption(): Option {
  return envOption('--strict', 'spec bytes only: adapt to no other P2P-CI dialect (DIALECTS.md)').default(false);
}

export function registerPeerCommand(program: Command): void {
  program
    .command('peer')
    .description('share a folder of rfc<N>.txt files and download what others share (menu: 1 Add, 2 Look Up, 3 List All, 4 Download, 5 Shut Down)')
    .argument('[server]', `index server, host or host:port (port ${DEFAULT_INDEX_PORT} if left out); the same as --server`, hostPort(DEFAULT_INDEX_PORT))
    .addOption(envOption('-d, --dir <folder>', `folder with rfc<N>.txt files (${DEFAULT_PEER_DIR} is created if missing)`).default(DEFAULT_PEER_DIR))
    .addOption(serverOption())
    .addOption(envOption('-u, --upload-port <port>', 'upload server port (0: the OS picks)').argParser(portNumber).default(0))
    .addOption(uploadHostOption())
    .addOption(envOption('--advertise-host <host>', 'host name registered with the index (default: this machine\'s hostname)'))
    .addOption(envOption('--upload-idle-timeout-ms <n>', 'close a downloader that neither sends nor reads for this long').argParser(integer(1)).default(DEFAULT_UPLOAD_IDLE_TIMEOUT_MS))
    .addOption(envOption('--upload-total-timeout-ms <n>', 'longest time one GET may take').argParser(integer(1)).default(DEFAULT_UPLOAD_TOTAL_TIMEOUT_MS))
    .addOption(envOption('--max-uploads <n>', 'downloads served at once; more connections are closed').argParser(integer(1)).default(DEFAULT_MAX_UPLOADS))
    .addOption(envOption('--max-uploads-per-address <n>', 'downloads served at once to one IP address (0 = unlimited)').argParser(integer(0)).default(DEFAULT_MAX_UPLOADS_PER_ADDRESS))
    .addOption(envOption('--upload-max-line-bytes <n>', 'longest GET request or header line, in bytes').argParser(integer(64)).default(DEFAULT_UPLOAD_LIMITS.maxLineBytes))
    .addOption(envOption('--upload-max-headers <n>', 'most header lines in one GET').argParser(integer(1)).default(DEFAULT_UPLOAD_LIMITS.maxHeaders))
    .addOption(envOption('--upload-max-request-bytes <n>', 'largest GET request, in bytes').argParser(integer(64)).default(DEFAULT_UPLOAD_LIMITS.maxRequestBytes))
    .addOption(envOption('--upload-head-pause-ms <n>', 'for a GET not in the spec\'s bytes: pause between the head and the body (recv-based downloaders)').argParser(integer(0)).default(DEFAULT_HEAD_PAUSE_MS))
    .addOption(strictOption())
    .addOption(envOption('--upload-limit <rate>', 'total upload rate across all transfers, bytes/s (K, M, G: powers of 1024)').argParser(byteRate))
    .addOption(maxSourcesOption())
    .action(async (server: PeerAddress | undefined, opts: PeerCommandOptions, cmd: Command) => {
      if (server !== undefined) {
        if (cmd.getOptionValueSource('server') === 'cli') cmd.error('error: give the index server once: as the argument or with --server, not both');
        opts.server = server;
      }
      if (cmd.getOptionValueSource('dir') === 'default') await createDefaultFolder(opts.dir);
      // Handlers go in before anything starts: a SIGTERM that comes while the peer is still
      // joining, or just after its "sharing" line, must shut it down cleanly (exit 0), not meet
      // the default action (killed by the signal).
      let actions: MenuActions | null = null;
      const stop = () => void (actions?.shutdown() ?? Promise.resolve()).finally(() => process.exit(0));
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      actions = new MenuActions(await startOrExit(opts));
      if (process.stdin.isTTY) await runInteractiveMenu(actions);
      else await runLineMenu(actions, process.stdin, process.stdout);
      process.exit(0);
    });
}

/** As the original client does with its `rfc` folder: a missing default folder is created, empty, and said so. */
async function createDefaultFolder(dir: string): Promise<void> {
  try {
    await mkdir(dir);
    console.log(`folder ${dir} did not exist: created it (empty); put rfc<N>.txt files in it to share them`);
  } catch {
    // Already there is the normal case; anything else (not writable, a file by that name) is said by the start.
  }
}

async function startOrExit(opts: PeerCommandOptions): Promise<Peer> {
  let peer: Peer;
  try {
    peer = await Peer.start({
      dir: opts.dir, server: opts.server, uploadPort: opts.uploadPort, uploadHost: opts.uploadHost, advertiseHost: opts.advertiseHost, strict: opts.strict,
      upload: {
        headPauseMs: opts.uploadHeadPauseMs,
        idleTimeoutMs: opts.uploadIdleTimeoutMs,
        totalTimeoutMs: opts.uploadTotalTimeoutMs,
        maxConnections: opts.maxUploads,
        maxConnectionsPerAddress: opts.maxUploadsPerAddress,
        limits: { maxLineBytes: opts.uploadMaxLineBytes, maxHeaders: opts.uploadMaxHeaders, maxRequestBytes: opts.uploadMaxRequestBytes },
        uploadLimit: opts.uploadLimit,
      },
      download: { maxSources: opts.maxSources },
    });
  } catch (err) {
    process.stderr.write(`p2pci peer: ${startError(err, opts)}\n`);
    process.exit(1);
  }
  const { index } = peer;
  index.on('disconnected', ({ reason }) => console.log(`index server ${index.serverLabel} lost (${reason}); reconnecting`));
  index.on('reregistered', ({ count, failed }) => console.log(`reconnected to ${index.serverLabel}; registered ${count} RFCs again${failed ? `, ${failed} failed` : ''}`));
  const reg = await peer.registerFolder();
  console.log(`peer ${peer.identity.host}:${peer.identity.port} sharing ${reg.added.length} RFCs from ${opts.dir} with index server ${index.serverLabel}`);
  index.on('retriedAdds', ({ registered }) => {
    if (registered.length > 0) console.log(`registered RFC ${registered.join(', ')} with ${index.serverLabel} (refused earlier)`);
  });
  for (const f of reg.failed) console.log(`warning: RFC ${f.rfc} not registered: ${f.reason}${f.reason.startsWith('400 ') ? '; trying again in the background' : ''}`);
  return peer;
}

export function startError(err: unknown, opts: { dir: string; server: PeerAddress; uploadHost?: string }): string {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ENOENT') return `folder ${opts.dir} does not exist`;
  if (e.code === 'ENOTDIR') return `${opts.dir} is not a folder`;
  if (e.code === 'EACCES') return `cannot read folder ${opts.dir}: permission denied`;
  if (e.code === 'EADDRINUSE') return `upload port already in use`;
  if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND') return `upload server cannot listen on ${opts.uploadHost}: not an address of this machine`;
  return e.message ?? String(err);
}
