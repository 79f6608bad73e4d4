/**
 * How a request looked on the wire, as bits the request parser sets while it reads. The
 * dialect table (table.ts) recognises a counterpart from these bits: evidence from its own
 * bytes, never a guess (DIALECTS.md, "Evidence first").
 */
export const SHAPE = {
  /** A line ended in CR LF. */
  CRLF: 1,
  /** A line ended in LF alone. */
  LF: 2,
  /** The line that completed the request ended in LF alone after CRLF lines (F). */
  LAST_LF: 4,
  /** The last line had no line end at all; idle time or the close completed it (C, I). */
  UNTERMINATED: 8,
  /** The request ended with its empty line, as §2 and §3 show. */
  BLANK_END: 16,
  /** The Host header written `Host:value`, no blank after the colon (H). */
  TIGHT_HEADER: 32,
  /** A header written `Host x`, without a colon (F's GET). */
  COLONLESS_HEADER: 64,
  /** The version word of another dialect, e.g. `P2P-CI-v1.0.0` (I). */
  ALT_VERSION: 128,
  /** The connection opened with `CONNECT <port> P2P-CI/1.0` (E). Connection-level. */
  CONNECT_FIRST: 256,
  /** A request on the connection was followed by a line `END` (G). Connection-level. */
  END_FRAMED: 512,
} as const;

/** Bits a spec-exact request has: CRLF lines and the empty line, nothing else. */
export const SPEC_SHAPE = SHAPE.CRLF | SHAPE.BLANK_END;

/** Bits learnt from the connection rather than from one request. */
export const CONNECTION_BITS = SHAPE.CONNECT_FIRST | SHAPE.END_FRAMED;

/** True when a request's bytes were exactly the spec's shape (extension headers allowed). */
export function isSpecShape(bits: number): boolean {
  return bits === SPEC_SHAPE;
}

/** `crlf+blank-end`, for logs and tests. */
export function describeShape(bits: number): string {
  const names: string[] = [];
  for (const [name, bit] of Object.entries(SHAPE)) if ((bits & bit) !== 0) names.push(name.toLowerCase().replace(/_/g, '-'));
  return names.join('+');
}
