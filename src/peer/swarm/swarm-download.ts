import { open, rename, type FileHandle } from 'node:fs/promises';
import type { PeerAddress } from '../../protocol/index.js';
import type { ShareFolder } from '../share-folder.js';
import { DownloadError, type DownloadResult, type PeerFailure } from '../downloader.js';
import { LocalWriteError, describeFsError } from '../temp-file.js';
import { osDescription } from '../os-info.js';
import { loadResumeState, partialPaths, removePartial, type PartialPaths } from './resume-state.js';
import { DownloadInProgress, lockPartial } from './partial-lock.js';
import { RunFailed, SwarmRun, type SwarmProgress } from './swarm-run.js';
import { reportOf, type SourceReport, type SwarmSource } from './swarm-source.js';

export const DEFAULT_MAX_SOURCES = 4;

export interface SwarmOptions {
  /** Sources fetched from at once (`--max-sources`); the others stand by for a dropped one. */
  maxSources?: number;
  os?: string;
  connectTimeoutMs?: number;
  /** A source that sends nothing for this long has stalled and is dropped. */
  silenceMs?: number;
  /** How often the resume state is written while pieces arrive. */
  saveIntervalMs?: number;
  /** Aborting it stops the download and keeps what was received for the next run. */
  signal?: AbortSignal;
  onProgress?(p: SwarmProgress): void;
}

/**
 * What a download saved and who gave how much (`--json` of `p2pci get` shows rfc, bytes,
 * sha256, ms, resumedFrom, sources). A DownloadResult too: `from` is the source that gave the
 * most bytes, `failures` the dropped ones.
 */
export interface SwarmResult extends Omit<DownloadResult, 'dialect'> {
  /** Set when the file came through the 1.0 downloader (DIALECTS.md dialect it was fetched in). */
  dialect?: DownloadResult['dialect'];
  /** SHA-256 of the saved file (hex), checked against the sources' when they reported one. */
  sha256: string;
  /** Bytes found done in the partial file of an earlier run. */
  resumedFrom: number;
  sources: SourceReport[];
}

/**
 * Failed swarm download. `sources` names every source and why it was dropped; `resumable`
 * says the partial file and its state were kept for the next `get`.
 */
export class SwarmDownloadError extends DownloadError {
  /**
   * `uploaderDialects`: every source failed as a DIALECTS.md uploader fails a spec GET, and
   * none reported a digest (p2pci's own extension): the 1.0 downloader, which adapts, may be served.
   */
  constructor(message: string, failures: PeerFailure[], readonly sources: SourceReport[], readonly resumable: boolean, local = false, readonly interrupted = false, readonly uploaderDialects = false) {
    super(message, failures, local);
  }
}

/**
 * Downloads RFC `rfc` into `folder` from several of `peers` at once (README "Swarm
 * downloads"). Pieces go to `.rfc<N>.txt.swarm` with its state beside it; the file is renamed
 * to `rfc<N>.txt` only once whole, fsynced and, when any source reported one, matching the
 * SHA-256 the sources agree on. An interruption leaves the partial file for the next call.
 */
export async function swarmDownload(rfc: number, peers: readonly PeerAddress[], folder: ShareFolder, options: SwarmOptions = {}): Promise<SwarmResult> {
  const started = performance.now();
  if (peers.length === 0) throw new SwarmDownloadError(`no peer has RFC ${rfc}`, [], [], false);
  const paths = partialPaths(folder.dir, rfc);
  let unlock: () => Promise<void>;
  try {
    unlock = await lockPartial(paths);
  } catch (err) {
    const why = err instanceof DownloadInProgress ? err.message : `cannot write into ${folder.dir}: ${describeFsError(err)}`;
    throw new SwarmDownloadError(`cannot save RFC ${rfc}: ${why}`, [], [], false, true);
  }
  try {
    return await downloadLocked(rfc, peers, folder, options, paths, started);
  } finally {
    await unlock();
  }
}

async function downloadLocked(rfc: number, peers: readonly PeerAddress[], folder: ShareFolder, options: SwarmOptions, paths: PartialPaths, started: number): Promise<SwarmResult> {
  const saved = await loadResumeState(paths, rfc);
  let file: FileHandle;
  try {
    file = await open(paths.data, saved === null ? 'w+' : 'r+').catch(() => open(paths.data, 'w+'));
  } catch (err) {
    throw new SwarmDownloadError(`cannot save RFC ${rfc}: cannot write into ${folder.dir}: ${describeFsError(err)}`, [], [], false, true);
  }
  const run = new SwarmRun({
    rfc, maxSources: Math.max(1, options.maxSources ?? DEFAULT_MAX_SOURCES), saveIntervalMs: options.saveIntervalMs ?? 100,
    request: { os: options.os ?? osDescription(), connectTimeoutMs: options.connectTimeoutMs ?? 5000, silenceMs: options.silenceMs ?? 10_000 },
    signal: options.signal, onProgress: options.onProgress,
  }, peers, file, paths, saved);
  let sha256: string;
  let size: number;
  try {
    sha256 = await run.run();
    size = run.pieces!.size;
    await file.truncate(size);
    await file.sync();
    await file.close();
    await rename(paths.data, folder.pathOf(rfc));
    await removePartial(paths);
  } catch (err) {
    // Kept only when what was received is still good (interrupted, sources gone); not after a failed check.
    const keep = err instanceof RunFailed && err.keep && (run.pieces?.doneBytes ?? 0) > 0;
    if (keep) await run.saveNow().catch(() => {});
    await file.close().catch(() => {});
    if (!keep) await removePartial(paths);
    const sources = run.sources.map(reportOf);
    const failures = run.sources.filter((s) => s.dropped).map((s) => ({ peer: s.peer, reason: s.reason ?? 'dropped' }));
    const why = err instanceof Error ? err.message : String(err);
    const local = err instanceof LocalWriteError || (err as NodeJS.ErrnoException).code !== undefined;
    const kept = keep ? ` (the ${run.pieces?.doneBytes ?? 0} bytes received are kept for the next get)` : '';
    const dialects = run.sources.every((s) => s.dropped && s.dialectHint === true && s.digest === null);
    throw new SwarmDownloadError(`download of RFC ${rfc} failed${why.startsWith('from every peer') ? ' ' : ': '}${why}${kept}`, failures.length > 0 ? failures : [{ peer: peers[0]!, reason: why }], sources, keep, local, err instanceof RunFailed && err.interrupted, dialects);
  }
  const sources = run.sources.map(reportOf);
  return { rfc, path: folder.pathOf(rfc), bytes: size, sha256, ms: performance.now() - started, resumedFrom: run.resumedFrom, sources, ...legacyFields(run.sources) };
}

/** `from` and `failures` of a DownloadResult, for callers of the 1.0 downloader's shape. */
function legacyFields(sources: readonly SwarmSource[]): Pick<DownloadResult, 'from' | 'failures'> {
  const most = sources.reduce((a, b) => (b.bytes > a.bytes ? b : a), sources[0]!);
  return { from: most.peer, failures: sources.filter((s) => s.dropped).map((s) => ({ peer: s.peer, reason: s.reason ?? 'dropped' })) };
}
