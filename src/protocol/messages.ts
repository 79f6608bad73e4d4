import type { StatusCode } from './status.js';

/** Methods a peer sends to the index server (§2). */
export type IndexMethod = 'ADD' | 'LOOKUP' | 'LIST';
/** The method a peer sends to another peer's upload server (§3). */
export type PeerMethod = 'GET';
export type Method = IndexMethod | PeerMethod;

/** How a request was found complete — useful in logs when a client deviates (§6). */
export type Completion = 'blank-line' | 'all-headers' | 'next-request' | 'idle' | 'end-of-input';

/** A parsed request. `rfc` is null only for LIST. Header values are already trimmed. */
export interface Request {
  method: Method;
  rfc: number | null;
  host?: string;
  port?: number;
  title?: string;
  os?: string;
  /** p2pci extensions (README "Extensions"): the raw Range and Want-Repr-Digest values, if sent. */
  range?: string;
  wantReprDigest?: string;
  completion: Completion;
  /** Bytes the request occupied on the wire, line endings included. */
  size: number;
  /** How its bytes looked (`SHAPE` bits of dialects/shape.ts): the evidence of its dialect. */
  shape: number;
}

/** One (RFC, title, peer) entry of the index, as a record line carries it. */
export interface RfcRecord {
  rfc: number;
  title: string;
  host: string;
  port: number;
}

/** A P2S response as a client reads it. */
export interface IndexResponse {
  status: StatusCode;
  phrase: string;
  records: RfcRecord[];
  /**
   * An ADD answer whose echo was neither a record nor nothing (DIALECTS.md C stores our empty
   * line in the title and echoes it): evidence for how to write to that server.
   */
  garbledEcho?: true;
  /** Its lines ended both in CR LF and in LF alone (DIALECTS.md F: `P2P-CI/1.0 200 OK\r\n\n`). */
  mixedLineEnds?: true;
}

/** Headers of a GET answer (§3), as sent or as a tolerant reader found them. */
export interface GetResponseHead {
  status: StatusCode;
  phrase: string;
  date?: string;
  os?: string;
  lastModified?: string;
  contentLength?: number;
  contentType?: string;
  /** p2pci extensions: only in answers to a GET that asked for them (206/416, Repr-Digest). */
  contentRange?: string;
  reprDigest?: string;
}
