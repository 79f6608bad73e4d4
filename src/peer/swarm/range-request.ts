import type { Socket } from 'node:net';
import {
  GetHeadReader, ProtocolError, WANT_SHA256, encodeGet, encodeRange, parseContentRange, parseReprDigest,
  type GetHeadResult, type PeerAddress,
} from '../../protocol/index.js';
import { connectWithin, describeNetError } from '../net-errors.js';
import { SocketBytes, SourceFailed } from './socket-bytes.js';

export interface RangeRequestOptions {
  os: string;
  connectTimeoutMs: number;
  /** A source that sends nothing for this long has stalled. */
  silenceMs: number;
}

/** A source's answer to one ranged GET, its body not yet read. */
export type SourceAnswer =
  /** 206: exactly the bytes asked for follow. */
  | { kind: 'partial'; size: number; digest: string | null; body: SocketBytes; socket: Socket }
  /** 200: a 1.0 uploader ignored the Range; the whole file follows from byte 0. */
  | { kind: 'whole'; size: number; digest: string | null; body: SocketBytes; socket: Socket }
  /** 416: the range starts past the end of this source's file. */
  | { kind: 'unsatisfiable'; size: number };

/**
 * Sends `GET RFC n` with `Range: bytes=first-last` and `Want-Repr-Digest: sha-256=1`, reads
 * the head and classifies the answer. Anything else than a well-formed 206 for exactly this
 * range, a 200 with a Content-Length, or a 416 with the size is the source failing.
 */
export async function requestRange(peer: PeerAddress, rfc: number, first: number, last: number, opts: RangeRequestOptions): Promise<SourceAnswer> {
  let socket: Socket;
  try {
    socket = await connectWithin(peer, opts.connectTimeoutMs);
  } catch (err) {
    throw new SourceFailed((err as Error).message);
  }
  socket.setTimeout(opts.silenceMs, () => socket.destroy(new SourceFailed(`silent for ${opts.silenceMs} ms`, true)));
  socket.on('error', () => {}); // surfaces through the reads below
  try {
    socket.write(encodeGet(rfc, peer.host, opts.os, { range: encodeRange(first, last), wantReprDigest: WANT_SHA256 }));
    const body = new SocketBytes(socket);
    const got = await readHead(body);
    body.setBodyStart(got.bodyStart);
    const { head } = got;
    const digest = head.reprDigest === undefined ? null : parseReprDigest(head.reprDigest);
    const range = head.contentRange === undefined ? null : parseContentRange(head.contentRange);
    if (head.status === 416) {
      if (range?.kind !== 'unsatisfied') throw new SourceFailed('answered 416 without the file size');
      socket.destroy();
      return { kind: 'unsatisfiable', size: range.size };
    }
    if (head.status === 200 && head.contentLength !== undefined) return { kind: 'whole', size: head.contentLength, digest, body, socket };
    if (head.status === 206) {
      // The last byte asked for may lie past the end of the file: the answer clips it (RFC 9110 §14.1.2).
      // The head reader keeps Content-Length for 200 answers only; Content-Range says the length.
      if (range?.kind !== 'range' || range.first !== first || range.last !== Math.min(last, range.size - 1)) {
        throw new SourceFailed(`answered a range we did not ask for (${head.contentRange ?? 'no Content-Range'})`);
      }
      return { kind: 'partial', size: range.size, digest, body, socket };
    }
    throw new SourceFailed(`answered ${head.status} ${head.phrase}`, head.status === 505);
  } catch (err) {
    socket.destroy();
    throw asSourceFailure(err);
  }
}

/** A socket error in a user's words, as a SourceFailed. */
export function asSourceFailure(err: unknown): SourceFailed {
  if (err instanceof SourceFailed) return err;
  if (err instanceof Error) return new SourceFailed(describeNetError(err as NodeJS.ErrnoException));
  return new SourceFailed(String(err));
}

async function readHead(bytes: SocketBytes): Promise<GetHeadResult> {
  const reader = new GetHeadReader();
  for (let chunk = await bytes.nextChunk(); chunk !== null; chunk = await bytes.nextChunk()) {
    const r = reader.push(chunk);
    if (r === null) continue;
    if (r instanceof ProtocolError) throw new SourceFailed(`unreadable answer: ${r.message}`, true);
    return r;
  }
  const r = reader.end();
  if (r instanceof ProtocolError) throw new SourceFailed(`unreadable answer: ${r.message}`);
  return r;
}
