import { lookup as dnsLookup } from 'node:dns/promises';
import { hostname } from 'node:os';
import type { IndexResponse, PeerAddress } from '../protocol/index.js';
import { ShareFolder } from './share-folder.js';
import { readTitle } from './title-reader.js';
import { UploadServer, type UploadServerOptions } from './upload-server.js';
import { IndexClient, type IndexClientOptions } from './index-client.js';
import type { DownloadOptions } from './downloader.js';
import { DEFAULT_MAX_SOURCES, type SwarmOptions, type SwarmResult } from './swarm/swarm-download.js';
import { swarmOrDialects } from './swarm/dialect-fallback.js';
import { singleSourceDownload } from './swarm/single-source.js';
import type { SwarmProgress } from './swarm/swarm-run.js';

/** How `download` fetches: `maxSources` 1 is the 1.0 single-source downloader, more a swarm. */
export type GetOptions = Omit<DownloadOptions, 'onProgress'> & Omit<SwarmOptions, 'onProgress'> & { progress?(p: SwarmProgress): void };
import { removeStaleTempFiles } from './temp-file.js';

export interface PeerOptions {
  dir: string;
  server: PeerAddress;
  /** Upload port; 0 (default) lets the OS pick. */
  uploadPort?: number;
  /** Address the upload server listens on (default: all). */
  uploadHost?: string;
  /** Host registered with the index; default: this machine's hostname if it resolves. */
  advertiseHost?: string;
  upload?: Omit<UploadServerOptions, 'folder'>;
  index?: Omit<IndexClientOptions, 'server'>;
  download?: GetOptions;
  /** `--strict`: spec bytes only, no dialect adaptation anywhere (DIALECTS.md). */
  strict?: boolean;
}

export interface RegisterResult {
  added: number[];
  failed: Array<{ rfc: number; reason: string }>;
}

/** The RFC file isn't in the folder: a user error, said in one line. */
export class NotSharedError extends Error {
  override readonly name = 'NotSharedError';
}

/**
 * A peer (PROTOCOL.md §1): its upload server, its one connection to the index, its folder.
 * Start order matters: the upload port must be known before the first ADD announces it.
 */
export class Peer {
  private constructor(
    readonly folder: ShareFolder,
    readonly uploads: UploadServer,
    readonly index: IndexClient,
    readonly identity: PeerAddress,
    private readonly downloadOptions: GetOptions,
  ) {}

  static async start(options: PeerOptions): Promise<Peer> {
    const folder = new ShareFolder(options.dir);
    await folder.list(); // a missing or unreadable folder fails here, before anything listens
    const dialects = options.strict !== true;
    const uploads = new UploadServer({ dialects, ...options.upload, folder });
    await uploads.listen(options.uploadPort ?? 0, options.uploadHost);
    const index = new IndexClient({ dialects, ...options.index, server: options.server });
    try {
      const { localAddress } = await index.connect();
      const host = options.advertiseHost ?? (await defaultHost(localAddress));
      index.identity = { host, port: uploads.port };
      return new Peer(folder, uploads, index, index.identity, { dialects, ...options.download });
    } catch (err) {
      await uploads.close();
      throw err;
    }
  }

  /** ADDs every `rfc<N>.txt` of the folder, titles read from the files (pipelined). */
  async registerFolder(): Promise<RegisterResult> {
    const rfcs = await this.folder.list();
    const results = await Promise.allSettled(rfcs.map((rfc) => this.add(rfc)));
    const out: RegisterResult = { added: [], failed: [] };
    results.forEach((r, i) => {
      const rfc = rfcs[i]!;
      if (r.status === 'fulfilled' && r.value.status === 200) out.added.push(rfc);
      else out.failed.push({ rfc, reason: r.status === 'rejected' ? String((r.reason as Error).message) : `${r.value.status} ${r.value.phrase}` });
    });
    return out;
  }

  /** Registers one RFC file of the folder with the index. */
  async add(rfc: number): Promise<IndexResponse> {
    if (!(await this.folder.has(rfc))) throw new NotSharedError(`${this.folder.pathOf(rfc)} does not exist`);
    return this.index.add(rfc, await readTitle(this.folder.pathOf(rfc), rfc));
  }

  lookup(rfc: number): Promise<IndexResponse> {
    return this.index.lookup(rfc);
  }

  list(): Promise<IndexResponse> {
    return this.index.list();
  }

  /** LOOKUP, download from the peers that have it (not ourselves), then ADD it. */
  async download(rfc: number, options: GetOptions = {}): Promise<SwarmResult & { added: boolean }> {
    // A 1.0 download of it killed here earlier left its temporary file: this one cleans it up.
    await removeStaleTempFiles(this.folder.dir, rfc);
    const found = await this.index.lookup(rfc);
    const peers = found.records
      .filter((r) => !(r.host === this.identity.host && r.port === this.identity.port))
      .map((r) => ({ host: r.host, port: r.port }));
    const o = { ...this.downloadOptions, ...options };
    const result = (o.maxSources ?? DEFAULT_MAX_SOURCES) === 1
      ? await singleSourceDownload(rfc, peers, this.folder, o)
      : await swarmOrDialects(rfc, peers, this.folder, o);
    let added = false;
    try {
      added = (await this.add(rfc)).status === 200;
    } catch {
      // The file is saved; the index is unreachable right now and gets it when it is back.
    }
    return { ...result, added };
  }

  async shutdown(): Promise<void> {
    await this.index.close();
    await this.uploads.close();
  }
}

/** §1: a peer is known by its hostname; if that doesn't resolve, the address the index sees. */
async function defaultHost(localAddress: string): Promise<string> {
  const name = hostname();
  try {
    await Promise.race([dnsLookup(name), new Promise((_, reject) => setTimeout(reject, 2000).unref())]);
    return name;
  } catch {
    return localAddress;
  }
}
