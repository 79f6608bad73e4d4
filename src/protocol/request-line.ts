import { ProtocolError } from './errors.js';
import { parseRfcNumber, words } from './headers.js';
import { isSupportedVersion, isVersionWord } from './version.js';
import type { Method } from './messages.js';
import { requestVersionDialect } from './dialects/recognise.js';

/** What a request line says: the method and, except for LIST, the RFC number. */
export interface RequestLine {
  method: Method;
  rfc: number | null;
  /** It carried another dialect's version word (accepted only when adapting to dialects). */
  altVersion: boolean;
}

/**
 * `ADD RFC <n> P2P-CI/1.0`, `LOOKUP RFC <n> …`, `LIST ALL …`, `GET RFC <n> …` (§2, §3), in any
 * letter case with runs of blanks (§6). The method is checked first (an unknown method is 400
 * whatever its version), then the version (505 for another P2P-CI version), then the rest.
 */
export function parseRequestLine(line: string, methods: ReadonlySet<Method>, dialects = false): RequestLine | ProtocolError {
  const w = words(line);
  const method = w[0]!.toUpperCase() as Method;
  if (!methods.has(method)) return new ProtocolError('UNKNOWN_METHOD', `unknown method ${JSON.stringify(w[0]!.slice(0, 32))}`);
  const version = w[w.length - 1]!;
  // DIALECTS.md I: `P2P-CI-v1.0.0` means 1.0 to its sender; served in its own word when adapting.
  const altVersion = dialects && requestVersionDialect(version) !== null;
  if (!altVersion) {
    if (!isVersionWord(version)) return new ProtocolError('MALFORMED_REQUEST_LINE', 'request line must end with the version P2P-CI/1.0');
    if (!isSupportedVersion(version)) return new ProtocolError('VERSION_NOT_SUPPORTED', `version ${version.slice(0, 32)} not supported`);
  }
  if (method === 'LIST') {
    if (w.length !== 3 || w[1]!.toUpperCase() !== 'ALL') return new ProtocolError('MALFORMED_REQUEST_LINE', 'expected LIST ALL P2P-CI/1.0');
    return { method, rfc: null, altVersion };
  }
  if (w.length !== 4 || w[1]!.toUpperCase() !== 'RFC') return new ProtocolError('MALFORMED_REQUEST_LINE', `expected ${method} RFC <number> P2P-CI/1.0`);
  const rfc = parseRfcNumber(w[2]!);
  if (rfc === null) return new ProtocolError('BAD_RFC_NUMBER', `RFC number must be 1 to 9 decimal digits, got ${JSON.stringify(w[2]!.slice(0, 32))}`);
  return { method, rfc, altVersion };
}

/** A line shaped like a request line of one of `methods` (used to end an unfinished request). */
export function looksLikeRequestLine(line: string, methods: ReadonlySet<Method>, dialects = false): boolean {
  const w = words(line);
  if (w.length < 3 || !methods.has(w[0]!.toUpperCase() as Method)) return false;
  const version = w[w.length - 1]!;
  return isVersionWord(version) || (dialects && requestVersionDialect(version) !== null);
}
