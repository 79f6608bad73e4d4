import { PROTOCOL_VERSION } from '../version.js';
import { END_LINE } from './answer-encode.js';

/**
 * How our GET is written to an uploader, as its reactions showed it (DIALECTS.md, our
 * downloader → their uploader). The spec style is encode.ts's bytes exactly; each field is
 * switched on evidence only (the table's `uploader` entries).
 */
export interface GetStyle {
  /** D and E split lines on LF alone and answer a CRLF GET 505 (they see `P2P-CI/1.0\r`). */
  readonly eol: '\r\n' | '\n';
  /** A line `END` after the GET (G's uploader answers nothing before one). */
  readonly end: boolean;
}

export const SPEC_GET: GetStyle = { eol: '\r\n', end: false };

/** True when `style` writes exactly the spec's bytes. */
export function isSpecGet(style: GetStyle): boolean {
  return style.eol === SPEC_GET.eol && style.end === SPEC_GET.end;
}

export function encodeGetIn(style: GetStyle, rfc: number, host: string, os: string): string {
  const e = style.eol;
  return `GET RFC ${rfc} ${PROTOCOL_VERSION}${e}Host: ${host}${e}OS: ${os}${e}${e}${style.end ? END_LINE : ''}`;
}

/**
 * How our index client writes to one server, as its reactions showed it (DIALECTS.md, our
 * client → their server). Starts as the spec; each field is switched on evidence only.
 */
export interface ClientStyle {
  readonly eol: '\r\n' | '\n';
  /** §2's empty line after the headers (C stores it in the title). */
  readonly emptyLine: boolean;
  /** A line end after the last header (C takes everything after `Title:` as the title). */
  readonly finalEol: boolean;
  /** A line `END` after every request (G answers nothing before one). */
  readonly end: boolean;
  /** `LIST ALL` (§2) or `LIST` alone (D takes the second word for the version). */
  readonly listAll: boolean;
  /** A line `CONNECT <upload port> P2P-CI/1.0` first on every connection (E serves nobody without it). */
  readonly connect: boolean;
}

export const SPEC_CLIENT: ClientStyle = { eol: '\r\n', emptyLine: true, finalEol: true, end: false, listAll: true, connect: false };

/** True when `style` writes exactly the spec's bytes. */
export function isSpecClient(style: ClientStyle): boolean {
  return (Object.keys(SPEC_CLIENT) as (keyof ClientStyle)[]).every((k) => style[k] === SPEC_CLIENT[k]);
}

/** The line E's server needs before any request on a connection; it is never answered. */
export function encodeConnectLine(uploadPort: number): string {
  return `CONNECT ${uploadPort} ${PROTOCOL_VERSION}\n`;
}

function request(style: ClientStyle, lines: string[]): string {
  const e = style.eol;
  let out = lines.join(e);
  if (style.finalEol) out += e;
  if (style.emptyLine) out += e;
  return style.end ? out + END_LINE : out;
}

export function encodeAddIn(style: ClientStyle, rfc: number, title: string, from: { host: string; port: number }): string {
  return request(style, [`ADD RFC ${rfc} ${PROTOCOL_VERSION}`, `Host: ${from.host}`, `Port: ${from.port}`, `Title: ${title}`]);
}

export function encodeLookupIn(style: ClientStyle, rfc: number, title: string, from: { host: string; port: number }): string {
  return request(style, [`LOOKUP RFC ${rfc} ${PROTOCOL_VERSION}`, `Host: ${from.host}`, `Port: ${from.port}`, `Title: ${title}`]);
}

export function encodeListIn(style: ClientStyle, from: { host: string; port: number }): string {
  return request(style, [style.listAll ? `LIST ALL ${PROTOCOL_VERSION}` : `LIST ${PROTOCOL_VERSION}`, `Host: ${from.host}`, `Port: ${from.port}`]);
}
