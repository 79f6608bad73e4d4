import type { PeerAddress } from '../../protocol/index.js';
import type { ShareFolder } from '../share-folder.js';
import type { DownloadOptions } from '../downloader.js';
import { swarmDownload, SwarmDownloadError, type SwarmOptions, type SwarmResult } from './swarm-download.js';
import { singleSourceDownload } from './single-source.js';
import type { SwarmProgress } from './swarm-run.js';
import { learntUploader } from '../uploader-memory.js';

/**
 * The swarm writes p2pci's ranged GET in the spec's bytes and adapts to no uploader dialect.
 * When every source failed it the way a DIALECTS.md uploader fails a spec GET (505, a status
 * line not in the spec's words, silence) and nothing was kept, the 1.0 downloader, which
 * adapts on that same evidence, tries them once more. Uploaders whose dialect an earlier GET of
 * this process learnt go to the 1.0 downloader at once, in what worked (like the index client
 * per server). Off with `--strict` (`dialects: false`).
 */
export async function swarmOrDialects(
  rfc: number, peers: readonly PeerAddress[], folder: ShareFolder,
  options: SwarmOptions & DownloadOptions & { progress?(p: SwarmProgress): void },
): Promise<SwarmResult> {
  const known = options.dialects !== false && peers.length > 0 && peers.every((p) => learntUploader(p) !== undefined);
  if (known) return singleSourceDownload(rfc, peers, folder, options);
  try {
    return await swarmDownload(rfc, peers, folder, { ...options, onProgress: options.progress });
  } catch (err) {
    if (!(err instanceof SwarmDownloadError) || !err.uploaderDialects || err.resumable || err.local || err.interrupted || options.dialects === false) throw err;
    try {
      return await singleSourceDownload(rfc, peers, folder, options);
    } catch (again) {
      const why = again instanceof Error ? again.message : String(again);
      throw new SwarmDownloadError(`${err.message}; in the uploaders' dialects: ${why}`, err.failures, err.sources, false);
    }
  }
}
