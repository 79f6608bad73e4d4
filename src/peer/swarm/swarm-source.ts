import type { Socket } from 'node:net';
import type { PeerAddress } from '../../protocol/index.js';

/** One peer of a swarm download, as the run and its report see it. */
export interface SwarmSource {
  peer: PeerAddress;
  /** Its number in the scheduler (the order LOOKUP listed it). */
  index: number;
  /** Bytes of the file it delivered (pieces written). */
  bytes: number;
  dropped: boolean;
  reason?: string;
  /** The SHA-256 it reported (hex), if it did. */
  digest: string | null;
  /** The connection it is being read from now, destroyed when it is dropped. */
  socket: Socket | null;
  /** Reading a whole-file (1.0) answer now: without a digest, its pieces count once it ended exactly. */
  streaming: boolean;
  /** Dropped for a failure a DIALECTS.md uploader shows to a spec GET (SourceFailed.dialectHint). */
  dialectHint?: true;
}

/** A source's line in `--json` and in error messages. */
export interface SourceReport {
  host: string;
  port: number;
  bytes: number;
  dropped?: true;
  reason?: string;
}

export function reportOf(s: SwarmSource): SourceReport {
  const r: SourceReport = { host: s.peer.host, port: s.peer.port, bytes: s.bytes };
  if (s.dropped) r.dropped = true;
  if (s.reason !== undefined) r.reason = s.reason;
  return r;
}

export function labelOf(s: SwarmSource): string {
  return `${s.peer.host}:${s.peer.port}`;
}

/**
 * The digest most sources reported, with the sources that reported another. A tie between
 * the most-reported digests is broken by `local` (the hash of what was received) when it is
 * one of them; otherwise there is no winner and the caller fails.
 */
export function digestVote(sources: readonly SwarmSource[], local?: string): { winner: string | null; tie: boolean } {
  const votes = new Map<string, number>();
  for (const s of sources) if (s.digest !== null) votes.set(s.digest, (votes.get(s.digest) ?? 0) + 1);
  if (votes.size === 0) return { winner: null, tie: false };
  const top = Math.max(...votes.values());
  const leaders = [...votes.entries()].filter(([, n]) => n === top).map(([d]) => d);
  if (leaders.length === 1) return { winner: leaders[0]!, tie: false };
  if (local !== undefined && leaders.includes(local)) return { winner: local, tie: false };
  return { winner: null, tie: true };
}
