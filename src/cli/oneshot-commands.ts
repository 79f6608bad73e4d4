import { Command } from 'commander';
import { Peer } from '../peer/peer.js';
import { DownloadError } from '../peer/downloader.js';
import { SwarmDownloadError } from '../peer/swarm/swarm-download.js';
import { rfcNumber } from './parse.js';
import { maxSourcesOption, serverOption, startError, strictOption, uploadHostOption } from './peer-command.js';
import { envOption } from './env-option.js';
import { IndexClient } from '../peer/index-client.js';
import { downloadBar } from './progress-bar.js';
import { downloadJson, formatDownload, formatIndexResponse, indexResponseJson } from './format.js';
import type { IndexResponse, PeerAddress } from '../protocol/index.js';

/**
 * `p2pci lookup|list|get`: each connects to the index, does one thing, leaves. Only `get` runs an
 * upload server (its ADD announces one); lookup and list share nothing and start none.
 * Exit codes say what happened, so scripts can branch on them.
 */
export const EXIT = { OK: 0, ERROR: 1, NOT_FOUND: 2, ALL_PEERS_FAILED: 3, INTERRUPTED: 130 } as const;

interface OneShotOptions {
  server: PeerAddress;
  json: boolean;
  dir?: string;
  advertiseHost?: string;
  uploadHost?: string;
  strict: boolean;
  maxSources?: number;
}

export function registerOneShotCommands(program: Command): void {
  const common = (cmd: Command) =>
    cmd.addOption(serverOption()).option('--json', 'machine-readable output', false).addOption(envOption('--advertise-host <host>', 'host name to announce')).addOption(strictOption());
  /** Accepted so one command line fits every command; nothing to bind, as lookup and list share nothing. */
  const askOnly = (cmd: Command) => common(cmd).addOption(uploadHostOption('unused here: lookup and list start no upload server'));
  askOnly(program.command('lookup').argument('<rfc>', 'RFC number', rfcNumber).description(`which peers have an RFC (exit ${EXIT.NOT_FOUND} if none)`))
    .action((rfc: number, opts: OneShotOptions) => ask(opts, (index) => index.lookup(rfc), true));
  askOnly(program.command('list').description('the whole index: every record of every active peer'))
    .action((opts: OneShotOptions) => ask(opts, (index) => index.list(), false));
  common(program.command('get').argument('<rfc>', 'RFC number', rfcNumber).description(`download an RFC into a folder (exit ${EXIT.NOT_FOUND}: no peer has it, ${EXIT.ALL_PEERS_FAILED}: every peer failed)`))
    .addOption(envOption('-d, --dir <folder>', 'folder to save rfc<N>.txt into').makeOptionMandatory())
    .addOption(uploadHostOption())
    .addOption(maxSourcesOption())
    .action((rfc: number, opts: OneShotOptions) => run(opts, opts.dir!, (peer) => get(peer, rfc, opts)));
}

/**
 * `get`: Ctrl-C (or SIGTERM) stops the download and keeps what arrived for the next `get`
 * (exit 130). With --json a failure also prints the sources and why each was dropped.
 */
async function get(peer: Peer, rfc: number, opts: OneShotOptions): Promise<number> {
  const abort = new AbortController();
  const stop = () => abort.abort();
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const bar = downloadBar(rfc, process.stderr);
  try {
    const d = await peer.download(rfc, { maxSources: opts.maxSources, signal: abort.signal, progress: (p) => bar.progress(p) });
    bar.stop();
    console.log(opts.json ? JSON.stringify(downloadJson(d)) : formatDownload(d));
    return EXIT.OK;
  } catch (err) {
    bar.stop();
    if (opts.json && err instanceof SwarmDownloadError) console.log(JSON.stringify({ rfc, error: err.message, sources: err.sources }));
    if (err instanceof SwarmDownloadError && err.interrupted) {
      process.stderr.write(`p2pci: ${err.message}\n`);
      return EXIT.INTERRUPTED;
    }
    throw err;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

/**
 * LOOKUP or LIST on a connection of its own: nothing is shared, so no upload server is started.
 * The request's Host and Port name the asking connection (its local address and port).
 */
async function ask(opts: OneShotOptions, request: (index: IndexClient) => Promise<IndexResponse>, noneIsNotFound: boolean): Promise<void> {
  const index = new IndexClient({ server: opts.server, reconnect: false, dialects: !opts.strict });
  let code: number;
  try {
    const { localAddress, localPort } = await index.connect();
    index.identity = { host: opts.advertiseHost ?? localAddress, port: localPort };
    code = answer(await request(index), opts, noneIsNotFound, index.serverDialect);
  } catch (err) {
    process.stderr.write(`p2pci: ${err instanceof Error ? err.message : String(err)}\n`);
    code = EXIT.ERROR;
  }
  await index.close();
  process.exit(code);
}

/** `lookup`: no records is "none", whether the server says 404 or (never saying 404) 200 and nothing. */
function answer(res: IndexResponse, opts: OneShotOptions, noneIsNotFound: boolean, dialect: string): number {
  process.stdout.write(opts.json ? JSON.stringify({ ...indexResponseJson(res), dialect }) + '\n' : formatIndexResponse(res));
  if (res.status === 404 || (noneIsNotFound && res.status === 200 && res.records.length === 0)) return EXIT.NOT_FOUND;
  return res.status === 200 ? EXIT.OK : EXIT.ERROR;
}

async function run(opts: OneShotOptions, dir: string, body: (peer: Peer) => Promise<number>): Promise<void> {
  let peer: Peer;
  try {
    peer = await Peer.start({ dir, server: opts.server, uploadHost: opts.uploadHost, advertiseHost: opts.advertiseHost, strict: opts.strict, index: { reconnect: false } });
  } catch (err) {
    process.stderr.write(`p2pci: ${startError(err, { dir, server: opts.server, uploadHost: opts.uploadHost })}\n`);
    process.exit(EXIT.ERROR);
  }
  let code: number;
  try {
    code = await body(peer);
  } catch (err) {
    process.stderr.write(`p2pci: ${err instanceof Error ? err.message : String(err)}\n`);
    code = EXIT.ERROR;
    if (err instanceof DownloadError && !err.local) code = err.failures.length === 0 ? EXIT.NOT_FOUND : EXIT.ALL_PEERS_FAILED;
  }
  await peer.shutdown();
  process.exit(code);
}
