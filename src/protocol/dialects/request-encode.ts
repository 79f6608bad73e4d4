import { PROTOCOL_VERSION } from '../version.js';

/**
 * How our requests are written to a counterpart's server or uploader. The spec style is
 * encode.ts's bytes exactly; the others are what a dialect's reaction to the spec asked for.
 */
export interface RequestStyle {
  readonly eol: '\r\n' | '\n';
  /** §2's empty line after the headers. */
  readonly emptyLine: boolean;
}

export const SPEC_REQUEST: RequestStyle = { eol: '\r\n', emptyLine: true };

/**
 * DIALECTS.md D and E split lines on LF alone and answer a CRLF request 505 (they see the
 * version `P2P-CI/1.0\r`): after a 505 to a correct request, the same request once in LF.
 */
export const LF_REQUEST: RequestStyle = { eol: '\n', emptyLine: true };

export function encodeGetIn(style: RequestStyle, rfc: number, host: string, os: string): string {
  const e = style.eol;
  return `GET RFC ${rfc} ${PROTOCOL_VERSION}${e}Host: ${host}${e}OS: ${os}${e}${style.emptyLine ? e : ''}`;
}
