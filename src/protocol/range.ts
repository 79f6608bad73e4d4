/**
 * p2pci's ranged-GET extension to P2P-CI/1.0 (README "Extensions"): the header values of
 * RFC 9110 §14 (Range, Content-Range) and RFC 9530 (Want-Repr-Digest, Repr-Digest), parsed
 * and encoded. Pure: no sockets, no clock.
 */

/** What a Range header asks of a file of `size` bytes (RFC 9110 §14.1.2, §14.2). */
export type RangeRequest =
  /** No Range header, one we don't read (not `bytes`, several ranges, bad syntax): answer 200, whole file. */
  | { kind: 'whole' }
  /** Bytes `first`..`last` inclusive, already clipped to the file. */
  | { kind: 'range'; first: number; last: number }
  /** Syntactically fine, but no byte of it is in the file: 416. */
  | { kind: 'unsatisfiable' };

const DIGITS = /^\d{1,15}$/;

/**
 * One `bytes=first-last`, `bytes=first-` or `bytes=-suffix` range. RFC 9110 lets a server
 * ignore a Range it does not support, so a multi-range or malformed value gets the whole file
 * (200) rather than an error: the downloader copes with a 200 answer anyway (§7).
 */
export function parseRange(value: string | undefined, size: number): RangeRequest {
  if (value === undefined) return { kind: 'whole' };
  const m = /^bytes[ \t]*=[ \t]*(\d*)[ \t]*-[ \t]*(\d*)$/i.exec(value.trim());
  if (m === null) return { kind: 'whole' };
  const [, a = '', b = ''] = m;
  if (a === '' && b === '') return { kind: 'whole' };
  if ((a !== '' && !DIGITS.test(a)) || (b !== '' && !DIGITS.test(b))) return { kind: 'whole' };
  if (a === '') {
    // Suffix range: the last b bytes.
    const suffix = Number(b);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'range', first: Math.max(0, size - suffix), last: size - 1 };
  }
  const first = Number(a);
  const last = b === '' ? size - 1 : Number(b);
  if (b !== '' && last < first) return { kind: 'whole' }; // invalid range-spec: ignored (§14.1.1)
  if (first >= size) return { kind: 'unsatisfiable' };
  return { kind: 'range', first, last: Math.min(last, size - 1) };
}

export function encodeRange(first: number, last: number): string {
  return `bytes=${first}-${last}`;
}

export function encodeContentRange(first: number, last: number, size: number): string {
  return `bytes ${first}-${last}/${size}`;
}

/** The Content-Range of a 416 answer: the file's size only. */
export function encodeUnsatisfiedRange(size: number): string {
  return `bytes */${size}`;
}

export type ContentRange =
  | { kind: 'range'; first: number; last: number; size: number }
  | { kind: 'unsatisfied'; size: number };

/** `bytes a-b/size`, or `bytes *` then `/size` (a 416); null for anything else. */
export function parseContentRange(value: string): ContentRange | null {
  const v = value.trim();
  let m = /^bytes[ \t]+\*\/(\d{1,15})$/i.exec(v);
  if (m !== null) return { kind: 'unsatisfied', size: Number(m[1]) };
  m = /^bytes[ \t]+(\d{1,15})-(\d{1,15})\/(\d{1,15})$/i.exec(v);
  if (m === null) return null;
  const [first, last, size] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (last < first || last >= size) return null;
  return { kind: 'range', first, last, size };
}

/** The request header asking for the whole file's SHA-256 (RFC 9530 §4). */
export const WANT_SHA256 = 'sha-256=1';

/**
 * True when a Want-Repr-Digest value asks for sha-256 with a non-zero weight. The value is an
 * RFC 8941 dictionary of integer weights 0–10; anything unreadable asks for nothing.
 */
export function wantsSha256(value: string | undefined): boolean {
  if (value === undefined) return false;
  for (const member of value.split(',')) {
    const m = /^[ \t]*([a-z0-9*_.-]+)[ \t]*(?:=[ \t]*(\d{1,2}))?[ \t]*$/i.exec(member);
    if (m !== null && m[1]!.toLowerCase() === 'sha-256') return m[2] === undefined || Number(m[2]) > 0;
  }
  return false;
}

/** `sha-256=:<base64>:` — an RFC 8941 byte sequence. */
export function encodeReprDigest(sha256: Buffer): string {
  return `sha-256=:${sha256.toString('base64')}:`;
}

/** The sha-256 member of a Repr-Digest value as 64 hex digits, or null if there is none (or it is not 32 bytes). */
export function parseReprDigest(value: string): string | null {
  for (const member of value.split(',')) {
    const m = /^[ \t]*sha-256[ \t]*=[ \t]*:([A-Za-z0-9+/]+={0,2}):[ \t]*$/i.exec(member);
    if (m === null) continue;
    const bytes = Buffer.from(m[1]!, 'base64');
    return bytes.length === 32 ? bytes.toString('hex') : null;
  }
  return null;
}
