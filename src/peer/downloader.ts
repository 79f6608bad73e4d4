import type { Socket } from 'node:net';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import {
  GetDialect, GetHeadReader, type DialectId, ProtocolError, resolveBody, surplusReason, type PeerAddress,
} from '../protocol/index.js';
import { learntUploader, rememberUploader } from './uploader-memory.js';
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
  /** Adapt to the uploader dialects of DIALECTS.md (false = `--strict`: spec bytes only). */
  dialects?: boolean;
  /** A fresh connection silent this long after our GET gets a line `END` (DIALECTS.md G). */
  endProbeMs?: number;
  /**
   * Exactly Content-Length body bytes arrived and the uploader neither closed nor sent more
   * for this long: the transfer is complete (DIALECTS.md B and G never close).
   */
  bodySettleMs?: number;
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
  /** The uploader dialect (DIALECTS.md) the file was fetched in, as its answers showed it. */
  dialect: DialectId;
}

/** Every peer failed, or (local) the file could not be written here. Nothing was left behind. */
export class DownloadError extends Error {
  override readonly name = 'DownloadError';
  constructor(message: string, readonly failures: PeerFailure[], readonly local = false) {
    super(message);
  }
}

class PeerFailed extends Error {
  /** `again`: the uploader's dialect wants the same GET once more, in these bytes. */
  constructor(message: string, readonly again?: string) {
    super(message);
  }
}

export const DEFAULT_END_PROBE_MS = 300;
export const DEFAULT_BODY_SETTLE_MS = 200;

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
      const { bytes, dialect } = await fetchFrom(peer, rfc, folder, options);
      return { rfc, path: folder.pathOf(rfc), bytes, from: peer, ms: performance.now() - started, failures, dialect };
    } catch (err) {
      if (err instanceof LocalWriteError) throw new DownloadError(`cannot save RFC ${rfc}: ${err.message}`, failures, true);
      failures.push({ peer, reason: err instanceof Error ? err.message : String(err) });
    }
  }
  const why = failures.map((f) => `${f.peer.host}:${f.peer.port} ${f.reason}`).join('; ');
  throw new DownloadError(peers.length === 0 ? `no peer has RFC ${rfc}` : `download of RFC ${rfc} failed from every peer: ${why}`, failures);
}

async function fetchFrom(peer: PeerAddress, rfc: number, folder: ShareFolder, options: DownloadOptions): Promise<{ bytes: number; dialect: DialectId }> {
  const tempPath = tempFilePath(folder.dir, rfc);
  let file: FileHandle;
  try {
    file = await (options.openTempFile ?? ((p) => open(p, 'wx')))(tempPath);
  } catch (err) {
    throw new LocalWriteError(`cannot write into ${folder.dir}: ${describeFsError(err)}`);
  }
  let saved = false;
  try {
    const dialects = options.dialects ?? true;
    const ways = new GetDialect({ rfc, host: peer.host, os: options.os ?? osDescription() }, learntUploader(peer), dialects);
    let body: ReceivedBody;
    let request = ways.request();
    let refused = '';
    let retriedAs = '';
    for (;;) {
      const socket = await connectTo(peer, options.connectTimeoutMs ?? 5000);
      try {
        body = await receive(socket, peer, request, file, options, ways);
        break;
      } catch (err) {
        if (refused !== '' && err instanceof PeerFailed) throw new PeerFailed(`${refused}, and to the same GET ${retriedAs}: ${err.message}`);
        // The table's `again` (E's 505 to a CRLF GET): once more, in the bytes it asked for.
        if (!(err instanceof PeerFailed && err.again !== undefined)) throw err;
        refused = err.message;
        retriedAs = ways.describe();
        request = err.again;
      }
    }
    if (dialects) rememberUploader(peer, ways.learnt());
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
    return { bytes: body.contentLength, dialect: body.dialect };
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
  dialect: DialectId;
  prepend: Buffer;
}

async function receive(
  socket: Socket, peer: PeerAddress, request: string, file: FileHandle, options: DownloadOptions, ways: GetDialect,
): Promise<ReceivedBody> {
  const silenceMs = options.silenceMs ?? 10_000;
  socket.setTimeout(silenceMs, () => socket.destroy(new PeerFailed(`silent for ${silenceMs} ms`)));
  socket.write(request);
  // A fresh connection that stays silent is evidence where the table says so (G waits for END).
  let probe = ways.expects('silence')
    ? setTimeout(() => {
      const next = ways.react('silence');
      if (next.send !== '') socket.write(next.send);
    }, options.endProbeMs ?? DEFAULT_END_PROBE_MS)
    : null;
  const stopProbe = () => {
    if (probe !== null) clearTimeout(probe);
    probe = null;
  };
  // Uploaders that never close (B, G): exactly Content-Length body bytes, then nothing for a moment, is the end.
  const watchHeldOpen = ways.expects('held-open');
  let settle: NodeJS.Timeout | null = null;
  let settled = false;
  const settleMs = options.bodySettleMs ?? DEFAULT_BODY_SETTLE_MS;
  const reader = new GetHeadReader(undefined, options.dialects ?? true);
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
    const next = ways.answered({ status: r.head.status, separator: r.separator, versionWord: r.versionWord });
    if (next.then === 'again' || r.head.status !== 200) throw new PeerFailed(`answered ${r.head.status} ${r.head.phrase}`, next.then === 'again' ? next.send : undefined);
    contentLength = r.head.contentLength!;
    headTail = r.headTail;
    await write(r.bodyStart);
  };
  try {
    try {
      for await (const chunk of socket as AsyncIterable<Buffer>) {
        stopProbe();
        if (settle !== null) clearTimeout(settle);
        if (contentLength < 0) await onHead(reader.push(chunk));
        else await write(chunk);
        if (watchHeldOpen && contentLength >= 0 && written === contentLength) {
          settle = setTimeout(() => {
            settled = true;
            socket.destroy();
          }, settleMs);
        }
      }
      if (contentLength < 0) await onHead(reader.end());
      await writer.drain().catch(localWriteFailed);
    } finally {
      await writer.drain().catch(() => {}); // nothing may still write once the caller unlinks the file
    }
  } catch (err) {
    socket.destroy();
    stopProbe();
    if (settled && written === contentLength) {
      ways.react('held-open');
      return { contentLength, prepend: Buffer.alloc(0), dialect: ways.id };
    }
    if (err instanceof PeerFailed || err instanceof LocalWriteError) throw err;
    const reason = describeNetError(err as NodeJS.ErrnoException);
    throw new PeerFailed(contentLength < 0 ? reason : `${reason} after ${written} of ${contentLength} bytes`);
  }
  stopProbe();
  if (settle !== null) clearTimeout(settle);
  const body = resolveBody(written, contentLength, headTail);
  if (!body.ok) throw new PeerFailed(`closed the connection after ${written} of ${contentLength} bytes`);
  return { contentLength, prepend: body.prepend, dialect: ways.id };
}
