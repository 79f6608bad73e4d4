import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { PeerAddress } from '../../protocol/index.js';
import type { ShareFolder } from '../share-folder.js';
import { downloadRfc, type DownloadOptions } from '../downloader.js';
import type { SwarmProgress } from './swarm-run.js';
import type { SwarmResult } from './swarm-download.js';

/**
 * `--max-sources 1`: today's download, one peer after the other, whole file, no extension
 * headers sent (src/peer/downloader.ts) — reported in the swarm's shape, the SHA-256 being
 * that of the saved file.
 */
export async function singleSourceDownload(rfc: number, peers: readonly PeerAddress[], folder: ShareFolder, options: DownloadOptions & { progress?(p: SwarmProgress): void }): Promise<SwarmResult> {
  const { progress, ...rest } = options;
  const d = await downloadRfc(rfc, peers, folder, {
    ...rest,
    onProgress: progress === undefined ? rest.onProgress : (bytes, total) => progress({ bytes, total, activeSources: 1 }),
  });
  const sources = d.failures.map((f) => ({ host: f.peer.host, port: f.peer.port, bytes: 0, dropped: true as const, reason: f.reason }));
  sources.push({ host: d.from.host, port: d.from.port, bytes: d.bytes } as (typeof sources)[number]);
  return { ...d, sha256: await sha256Of(d.path), resumedFrom: 0, sources };
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
