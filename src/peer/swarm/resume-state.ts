import { readFile, rename, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { rfcFileName } from '../share-folder.js';

/**
 * What an interrupted swarm download leaves beside the final file: the partial data
 * (`.rfc<N>.txt.swarm`) and its state (`.rfc<N>.txt.swarm.json`). Both names start with a dot
 * and are not `rfc<N>.txt`, so the folder never shares them. The state lists the pieces
 * written before it was (saveResumeState: what survives a kill, what a power loss).
 */
export interface ResumeState {
  rfc: number;
  size: number;
  pieceBytes: number;
  /** The SHA-256 the sources reported, hex; null if none did (1.0 sources only). */
  sha256: string | null;
  done: number[];
}

export interface PartialPaths {
  data: string;
  state: string;
}

export function partialPaths(dir: string, rfc: number): PartialPaths {
  const base = join(dir, `.${rfcFileName(rfc)}.swarm`);
  return { data: base, state: `${base}.json` };
}

/** The saved state, or null if there is none or it is unreadable (then the download starts over). */
export async function loadResumeState(paths: PartialPaths, rfc: number): Promise<ResumeState | null> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(paths.state, 'utf8'));
  } catch {
    return null;
  }
  const s = raw as { v?: unknown; rfc?: unknown; size?: unknown; pieceBytes?: unknown; sha256?: unknown; done?: unknown };
  if (s.v !== 1 || s.rfc !== rfc || !Number.isSafeInteger(s.size) || !Number.isSafeInteger(s.pieceBytes) || (s.pieceBytes as number) <= 0) return null;
  if (!(s.sha256 === null || (typeof s.sha256 === 'string' && /^[0-9a-f]{64}$/.test(s.sha256)))) return null;
  if (typeof s.done !== 'string') return null;
  const bits = Buffer.from(s.done, 'base64');
  const done: number[] = [];
  for (let i = 0; i < bits.length * 8; i++) if ((bits[i >> 3]! & (1 << (i & 7))) !== 0) done.push(i);
  return { rfc, size: s.size as number, pieceBytes: s.pieceBytes as number, sha256: s.sha256 as string | null, done };
}

/**
 * Writes the state to a temporary name and renames it over the old one (never half-written).
 * `durable`: the data it describes is fdatasynced first, so even a power loss can't leave the
 * state listing bytes the disk lost; without it, a kill (not a power loss) is covered, and the
 * caller relies on the final SHA-256 check for the rest.
 */
export async function saveResumeState(paths: PartialPaths, data: FileHandle, state: Omit<ResumeState, 'done'>, isDone: (i: number) => boolean, count: number, durable: boolean): Promise<void> {
  if (durable) await data.datasync();
  const bits = Buffer.alloc(Math.ceil(count / 8));
  for (let i = 0; i < count; i++) if (isDone(i)) bits[i >> 3]! |= 1 << (i & 7);
  const json = JSON.stringify({ v: 1, rfc: state.rfc, size: state.size, pieceBytes: state.pieceBytes, sha256: state.sha256, done: bits.toString('base64') });
  const tmp = `${paths.state}.tmp`;
  await writeFile(tmp, json + '\n');
  await rename(tmp, paths.state);
}

export async function removePartial(paths: PartialPaths): Promise<void> {
  await unlink(paths.state).catch(() => {});
  await unlink(`${paths.state}.tmp`).catch(() => {});
  await unlink(paths.data).catch(() => {});
}
