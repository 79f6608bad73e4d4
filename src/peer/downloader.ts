import type { Socket } from 'node:net';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { GetHeadReader, ProtocolError, encodeGet, resolveBody, surplusReason, type PeerAddress } from '../protocol/index.js';
import { ShareFolder } from './share-folder.js';
import { connectWithin, describeNetError } from './net-errors.js';
import { osDescription } from './os-info.js';
import { LocalWriteError, describeFsError, prependToFile, tempFilePath } from './temp-file.js';
import { ChunkWriter } from './chunk-writer.js';

export interface DownloadOptions {
  os?: string;
  connectTimeoutMs?: number;
  /** An uploader that sends nothing for this long has failed; the next peer is tried. */
  silenceMs?: number;
  onProgress?(received: number, total: number, from: PeerAddress): void;
  /** Opens the temporary file; injected by tests to simulate a full disk. */
  openTempFile?(path: string): Promise<FileHandle>;
}

export interface PeerFailure {
  peer: PeerAddress;
  reason: string;
}

export interface DownloadResult {
  rfc: number;
  path: string;
  bytes: number;
  from: PeerAddress;
  ms: number;
  /** Peers tried before the one that served it. */
  failures: PeerFailure[];
}

/** Every peer failed, or (local) the file could not be written here. Nothing was left behind. */
export class DownloadError extends Error {
  override readonly name = 'DownloadError';
  constructor(message: string, readonly failures: PeerFailure[], readonly local = false) {
    super(message);
  }
}

class PeerFailed extends Error {}

function localWriteFailed(err: unknown): never {
  throw new LocalWriteError(`cannot write into the folder: ${describeFsError(err)}`);
}

/** File writes queued before the downloader waits for the disk. */
const MAX_WRITES_IN_FLIGHT = 1 << 20;

/**
 * Downloads RFC `rfc` into `folder` from the first of `peers` that sends it whole. Bytes go to
 * a temporary file in the same folder, renamed to `rfc<N>.txt` only once exactly
 * Content-Length bytes arrived and reached the disk; a failure removes it.
 */
export async function downloadRfc(rfc: number, peers: readonly PeerAddress[], folder: ShareFolder, options: DownloadOptions = {}): Promise<DownloadResult> {
  const started = performance.now();
  const failures: PeerFailure[] = [];
  for (const peer of peers) {
    try {
      const bytes = await fetchFrom(peer, rfc, folder, options);
      return { rfc, path: folder.pathOf(rfc), bytes, from: peer, ms: performance.now() - started, failures };
    } catch (err) {
      if (err instanceof LocalWriteError) throw new DownloadError(`cannot save RFC ${rfc}: ${err.message}`, failures, true);
      failures.push({ peer, reason: err instanceof Error ? err.message : String(err) });
    }
  }
  const why = failures.map((f) => `${f.peer.host}:${f.peer.port} ${f.reason}`).join('; ');
  throw new DownloadError(peers.length === 0 ? `no peer has RFC ${rfc}` : `download of RFC ${rfc} failed from every peer: ${why}`, failures);
}

async function fetchFrom(peer: PeerAddress, rfc: number, folder: ShareFolder, options: DownloadOptions): Promise<number> {
  const tempPath = tempFilePath(folder.dir, rfc);
  let file: FileHandle;
  try {
    file = await (options.openTempFile ?? ((p) => open(p, 'wx')))(tempPath);
  } catch (err) {
    throw new LocalWriteError(`cannot write into ${folder.dir}: ${describeFsError(err)}`);
  }
  let saved = false;
  try {
    const socket = await connectTo(peer, options.connectTimeoutMs ?? 5000);
    const body = await receive(socket, peer, rfc, file, options);
    if (body.prepend.length > 0) {
      // Rare (an uploader that sends no empty line, a file that starts with one): put it back.
      await file.close();
      await prependToFile(tempPath, body.prepend, body.contentLength, options.openTempFile);
      file = await open(tempPath, 'r+');
    }
    try {
      await file.sync();
    } catch (err) {
      throw new LocalWriteError(`cannot write into ${folder.dir}: ${describeFsError(err)}`);
    }
    await file.close();
    await rename(tempPath, folder.pathOf(rfc));
    saved = true;
    return body.contentLength;
  } finally {
    if (!saved) {
      await file.close().catch(() => {});
      await unlink(tempPath).catch(() => {});
    }
  }
}

function connectTo(peer: PeerAddress, timeoutMs: number): Promise<Socket> {
  return connectWithin(peer, timeoutMs).catch((err: Error) => {
    throw new PeerFailed(err.message);
  });
}

interface ReceivedBody {
  contentLength: number;
  prepend: Buffer;
}

async function receive(socket: Socket, peer: PeerAddress, rfc: number, file: FileHandle, options: DownloadOptions): Promise<ReceivedBody> {
  const silenceMs = options.silenceMs ?? 10_000;
  socket.setTimeout(silenceMs, () => socket.destroy(new PeerFailed(`silent for ${silenceMs} ms`)));
  socket.write(encodeGet(rfc, peer.host, options.os ?? osDescription()));
  const reader = new GetHeadReader();
  let contentLength = -1;
  let headTail: Buffer = Buffer.alloc(0);
  let written = 0;
  // The socket is read while the disk writes; past MAX_WRITES_IN_FLIGHT the reading waits.
  const writer = new ChunkWriter(file, MAX_WRITES_IN_FLIGHT, (onDisk) => options.onProgress?.(Math.min(onDisk, contentLength), contentLength, peer));
  const write = async (chunk: Buffer) => {
    // Past Content-Length no reading of the head can fit (see resolveBody): stop at once.
    if (written + chunk.length > contentLength) throw new PeerFailed(surplusReason(written + chunk.length, contentLength));
    written += chunk.length;
    await writer.push(chunk).catch(localWriteFailed);
  };
  const onHead = async (r: ReturnType<GetHeadReader['push']>) => {
    if (r === null) return;
    if (r instanceof ProtocolError) throw new PeerFailed(`unreadable answer: ${r.message}`);
    if (r.head.status !== 200) throw new PeerFailed(`answered ${r.head.status} ${r.head.phrase}`);
    contentLength = r.head.contentLength!;
    headTail = r.headTail;
    await write(r.bodyStart);
  };
  try {
    try {
      for await (const chunk of socket as AsyncIterable<Buffer>) {
        if (contentLength < 0) await onHead(reader.push(chunk));
        else await write(chunk);
      }
      if (contentLength < 0) await onHead(reader.end());
      await writer.drain().catch(localWriteFailed);
    } finally {
      await writer.drain().catch(() => {}); // nothing may still write once the caller unlinks the file
    }
  } catch (err) {
    socket.destroy();
    if (err instanceof PeerFailed || err instanceof LocalWriteError) throw err;
    const reason = describeNetError(err as NodeJS.ErrnoException);
    throw new PeerFailed(contentLength < 0 ? reason : `${reason} after ${written} of ${contentLength} bytes`);
  }
  const body = resolveBody(written, contentLength, headTail);
  if (!body.ok) throw new PeerFailed(`closed the connection after ${written} of ${contentLength} bytes`);
  return { contentLength, prepend: body.prepend };
}
