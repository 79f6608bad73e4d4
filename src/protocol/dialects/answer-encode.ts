import { STATUS_PHRASES, type StatusCode } from '../status.js';
import { formatRecordLine } from '../record-line.js';
import type { RfcRecord } from '../messages.js';
import type { AnswerStyle } from './table.js';

/**
 * Index-server answers laid out in a dialect's style. For the spec style these are exactly
 * the bytes of encode.ts (a unit test holds them equal), so a spec client sees no difference.
 */
export function encodeStatusLineIn(style: AnswerStyle, status: StatusCode): string {
  return `${style.version} ${status} ${STATUS_PHRASES[status]}${style.eol}`;
}

/** The status line and, where the dialect reads one, the empty line before the records. */
export function encodeResponseStartIn(style: AnswerStyle, status: StatusCode): string {
  const line = encodeStatusLineIn(style, status);
  return style.emptyAfterStatus ? line + style.eol : line;
}

export function encodeRecordIn(style: AnswerStyle, r: RfcRecord): string {
  return (style.recordPrefix ? formatRecordLine(r) : `${r.rfc} ${r.title} ${r.host} ${r.port}`) + style.eol;
}

/** The empty line that ends an answer. */
export function responseEndIn(style: AnswerStyle): string {
  return style.eol;
}

export function encodeIndexResponseIn(style: AnswerStyle, status: StatusCode, records: readonly RfcRecord[] = []): string {
  let out = encodeResponseStartIn(style, status);
  for (const r of records) out += encodeRecordIn(style, r);
  return out + style.eol;
}

/** The line that ends every message of an END-framed dialect (G writes it with LF). */
export const END_LINE = 'END\n';
