import { PROTOCOL_VERSION } from './version.js';
import { STATUS_PHRASES, type StatusCode } from './status.js';
import { formatRecordLine } from './record-line.js';
import type { GetResponseHead, RfcRecord } from './messages.js';

/**
 * Encoders produce exactly the bytes PROTOCOL.md §2–§3 show: CRLF line endings, an empty
 * line ending every request, and the empty lines of a response where the spec has them.
 */
const CRLF = '\r\n';

export interface PeerAddress {
  host: string;
  port: number;
}

export function encodeAdd(rfc: number, title: string, from: PeerAddress): string {
  return `ADD RFC ${rfc} ${PROTOCOL_VERSION}${CRLF}Host: ${from.host}${CRLF}Port: ${from.port}${CRLF}Title: ${title}${CRLF}${CRLF}`;
}

export function encodeLookup(rfc: number, title: string, from: PeerAddress): string {
  return `LOOKUP RFC ${rfc} ${PROTOCOL_VERSION}${CRLF}Host: ${from.host}${CRLF}Port: ${from.port}${CRLF}Title: ${title}${CRLF}${CRLF}`;
}

export function encodeList(from: PeerAddress): string {
  return `LIST ALL ${PROTOCOL_VERSION}${CRLF}Host: ${from.host}${CRLF}Port: ${from.port}${CRLF}${CRLF}`;
}

/** p2pci's request extensions (README "Extensions"): header values, e.g. `bytes=0-1023`, `sha-256=1`. */
export interface GetExtensions {
  range?: string;
  wantReprDigest?: string;
}

/**
 * A GET (§3). Extension headers go BEFORE Host and OS: a receiver may take the request as
 * complete once Host and OS have arrived (§6), so anything after them could go unread.
 */
export function encodeGet(rfc: number, host: string, os: string, ext?: GetExtensions): string {
  let out = `GET RFC ${rfc} ${PROTOCOL_VERSION}${CRLF}`;
  if (ext?.range !== undefined) out += `Range: ${ext.range}${CRLF}`;
  if (ext?.wantReprDigest !== undefined) out += `Want-Repr-Digest: ${ext.wantReprDigest}${CRLF}`;
  return out + `Host: ${host}${CRLF}OS: ${os}${CRLF}${CRLF}`;
}

export function encodeStatusLine(status: StatusCode): string {
  return `${PROTOCOL_VERSION} ${status} ${STATUS_PHRASES[status]}${CRLF}`;
}

/** Start of a P2S response: status line and the empty line before the records. */
export function encodeResponseStart(status: StatusCode): string {
  return encodeStatusLine(status) + CRLF;
}

export function encodeRecord(r: RfcRecord): string {
  return formatRecordLine(r) + CRLF;
}

/** The empty line that ends a P2S response. */
export const RESPONSE_END = CRLF;

/** A whole P2S response; the server streams big ones piecewise with the parts above. */
export function encodeIndexResponse(status: StatusCode, records: readonly RfcRecord[] = []): string {
  let out = encodeResponseStart(status);
  for (const r of records) out += encodeRecord(r);
  return out + RESPONSE_END;
}

/**
 * Head of a GET answer (§3). Errors carry Date and OS only, and no body; a 416 also its
 * Content-Range (the size alone, RFC 9110 §15.5.17). The extension headers are only present
 * when the request asked for them, so a 1.0 downloader gets exactly the §3 bytes.
 */
export function encodeGetResponseHead(head: GetResponseHead): string {
  let out = encodeStatusLine(head.status);
  if (head.date !== undefined) out += `Date: ${head.date}${CRLF}`;
  if (head.os !== undefined) out += `OS: ${head.os}${CRLF}`;
  if (head.status === 200 || head.status === 206) {
    if (head.lastModified !== undefined) out += `Last-Modified: ${head.lastModified}${CRLF}`;
    if (head.contentRange !== undefined) out += `Content-Range: ${head.contentRange}${CRLF}`;
    if (head.contentLength !== undefined) out += `Content-Length: ${head.contentLength}${CRLF}`;
    if (head.contentType !== undefined) out += `Content-Type: ${head.contentType}${CRLF}`;
    if (head.reprDigest !== undefined) out += `Repr-Digest: ${head.reprDigest}${CRLF}`;
  } else if (head.status === 416 && head.contentRange !== undefined) {
    out += `Content-Range: ${head.contentRange}${CRLF}`;
  }
  return out + CRLF;
}
