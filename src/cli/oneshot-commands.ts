import { Command } from 'commander';
import { Peer } from '../peer/peer.js';
import { DownloadError } from '../peer/downloader.js';
import { rfcNumber } from './parse.js';
import { serverOption, startError } from './peer-command.js';
import { downloadJson, formatDownload, formatIndexResponse, indexResponseJson } from './format.js';
import type { IndexResponse, PeerAddress } from '../protocol/index.js';

/**
 * `p2pci lookup|list|get`: each joins as a short-lived peer, does one thing, leaves.
 * Exit codes say what happened, so scripts can branch on them.
 */
export const EXIT = { OK: 0, ERROR: 1, NOT_FOUND: 2, ALL_PEERS_FAILED: 3 } as const;

interface OneShotOptions {
  server: PeerAddress;
  json: boolean;
  dir?: string;
  advertiseHost?: string;
}

export function registerOneShotCommands(program: Command): void {
  const common = (cmd: Command) =>
    cmd.addOption(serverOption()).option('--json', 'machine-readable output', false).option('--advertise-host <host>', 'host name to announce');
  common(program.command('lookup').argument('<rfc>', 'RFC number', rfcNumber).description(`which peers have an RFC (exit ${EXIT.NOT_FOUND} if none)`))
    .action((rfc: number, opts: OneShotOptions) => run(opts, '.', async (peer) => answer(await peer.lookup(rfc), opts, true)));
  common(program.command('list').description('the whole index: every record of every active peer'))
    .action((opts: OneShotOptions) => run(opts, '.', async (peer) => answer(await peer.list(), opts, false)));
  common(program.command('get').argument('<rfc>', 'RFC number', rfcNumber).description(`download an RFC into a folder (exit ${EXIT.NOT_FOUND}: no peer has it, ${EXIT.ALL_PEERS_FAILED}: every peer failed)`))
    .requiredOption('-d, --dir <folder>', 'folder to save rfc<N>.txt into')
    .action((rfc: number, opts: OneShotOptions) =>
      run(opts, opts.dir!, async (peer) => {
        const d = await peer.download(rfc);
        console.log(opts.json ? JSON.stringify(downloadJson(d)) : formatDownload(d));
        return EXIT.OK;
      }),
    );
}

/** `lookup`: no records is "none", whether the server says 404 or (never saying 404) 200 and nothing. */
function answer(res: IndexResponse, opts: OneShotOptions, noneIsNotFound: boolean): number {
  process.stdout.write(opts.json ? JSON.stringify(indexResponseJson(res)) + '\n' : formatIndexResponse(res));
  if (res.status === 404 || (noneIsNotFound && res.status === 200 && res.records.length === 0)) return EXIT.NOT_FOUND;
  return res.status === 200 ? EXIT.OK : EXIT.ERROR;
}

async function run(opts: OneShotOptions, dir: string, body: (peer: Peer) => Promise<number>): Promise<void> {
  let peer: Peer;
  try {
    peer = await Peer.start({ dir, server: opts.server, advertiseHost: opts.advertiseHost, index: { reconnect: false } });
  } catch (err) {
    process.stderr.write(`p2pci: ${startError(err, { dir, server: opts.server })}\n`);
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
