/**
 * The vocabulary of `p2pci check`: a case is a numbered, one-line claim about the target, tied
 * to a PROTOCOL.md section; running it gives a result and, unless it passed cleanly, a detail
 * saying what was sent, what came back and what the spec asks.
 */
import type { RawConn } from './raw-conn.js';

export type TargetKind = 'server' | 'peer';
export type CaseResult = 'pass' | 'fail' | 'warn' | 'skip';

export interface Target {
  kind: TargetKind;
  host: string;
  port: number;
}

/** What a failure or warning reports; the byte fields are already escaped for printing. */
export interface Detail {
  message: string;
  sent?: string;
  received?: string;
  expected?: string;
}

export interface CaseOutcome {
  id: string;
  section: string;
  description: string;
  result: CaseResult;
  detail?: Detail;
  ms: number;
}

/** Settings every case sees; built once per run by the runner. */
export interface RunSettings {
  target: Target;
  timeoutMs: number;
  strict: boolean;
  /** For a peer: the RFC it serves, and optionally the file it serves, to compare bytes. */
  rfc?: number;
  file?: Buffer;
}

export interface CaseContext extends RunSettings {
  /** When this case's time is up (ms since epoch, like Date.now()). */
  readonly deadline: number;
  /** A connection to the target, closed by the runner when the case ends. */
  open(): Promise<RawConn>;
  /** An RFC number no other case of this run uses (9 digits, random per run). */
  freshRfc(): number;
  /** A (Host, Port) identity no other case of this run uses. */
  freshPeer(): { host: string; port: number };
  /** Notes a deviation a tolerant reader copes with: the case ends as a warning, not a pass. */
  warn(detail: Detail): void;
}

export interface CheckCase {
  id: string;
  /** The PROTOCOL.md section the case checks, e.g. "2" or "6". */
  section: string;
  description: string;
  /** Only run with --strict: passes only for a spec-exact implementation. */
  strict?: boolean;
  run(ctx: CaseContext): Promise<void>;
}

/** Thrown by a case when the target does not do what the spec asks. */
export class CaseFailure extends Error {
  constructor(readonly detail: Detail) {
    super(detail.message);
  }
}

/** Thrown by a case that cannot judge this target (say, the index already holds others' records). */
export class CaseSkipped extends Error {}

export const SECTION_TITLES: Readonly<Record<string, string>> = {
  '2': 'Messages between peer and index server',
  '3': 'Messages between peers (GET)',
  '4': 'Status codes',
  '5': 'Records, identity and cleanup',
  '6': 'Robustness',
};
