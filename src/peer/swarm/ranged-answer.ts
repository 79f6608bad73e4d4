import type { Stats } from 'node:fs';
import {
  encodeContentRange, encodeReprDigest, encodeUnsatisfiedRange, httpDate, parseRange, wantsSha256,
  type GetResponseHead, type Request,
} from '../../protocol/index.js';
import type { DigestCache } from './digest-cache.js';

/** What the upload server sends for one GET of a shared file: a head, then bytes [start, end). */
export interface UploadPlan {
  head: GetResponseHead;
  start: number;
  end: number;
}

/**
 * The answer to a GET of a file the folder shares, extensions included (README "Extensions"):
 * a GET without Range or Want-Repr-Digest gets exactly §3's 200 answer; a Range gets 206 with
 * Content-Range (or 416 when no byte of it is in the file); Want-Repr-Digest adds the whole
 * file's SHA-256. Size and mtime come from the open handle's `stats`, so the head describes
 * exactly the bytes that will be streamed.
 */
export async function planUpload(req: Request, path: string, stats: Stats, os: string, digests: DigestCache): Promise<UploadPlan> {
  const size = stats.size;
  const range = parseRange(req.range, size);
  const base = { date: httpDate(new Date()), os };
  if (range.kind === 'unsatisfiable') {
    return { head: { status: 416, phrase: 'Range Not Satisfiable', ...base, contentRange: encodeUnsatisfiedRange(size) }, start: 0, end: 0 };
  }
  const head: GetResponseHead = { status: 200, phrase: 'OK', ...base, lastModified: httpDate(stats.mtime), contentLength: size, contentType: 'text/plain' };
  let [start, end] = [0, size];
  if (range.kind === 'range') {
    [start, end] = [range.first, range.last + 1];
    Object.assign(head, { status: 206, phrase: 'Partial Content', contentRange: encodeContentRange(range.first, range.last, size), contentLength: end - start });
  }
  if (wantsSha256(req.wantReprDigest)) {
    const digest = await digests.digestOf(path, stats);
    if (digest !== null) head.reprDigest = encodeReprDigest(digest);
  }
  return { head, start, end };
}
