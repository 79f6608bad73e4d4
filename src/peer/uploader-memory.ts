import type { LearntUploader, PeerAddress } from '../protocol/index.js';

/**
 * What each uploader address needed (DIALECTS.md, our downloader → their uploader), learnt by
 * one GET and used by the next one to it in this process: the 1.0 downloader starts in that
 * style, and `get`'s swarm leaves uploaders known to speak a dialect to the 1.0 downloader.
 */
const MAX_REMEMBERED = 4096;
const remembered = new Map<string, LearntUploader>();

const keyOf = (peer: PeerAddress): string => `${peer.host}:${peer.port}`;

export function learntUploader(peer: PeerAddress): LearntUploader | undefined {
  return remembered.get(keyOf(peer));
}

/** `learnt` null: the uploader spoke the spec; whatever was known of it is forgotten. */
export function rememberUploader(peer: PeerAddress, learnt: LearntUploader | null): void {
  const key = keyOf(peer);
  remembered.delete(key);
  if (learnt === null) return;
  remembered.set(key, learnt);
  if (remembered.size > MAX_REMEMBERED) remembered.delete(remembered.keys().next().value!);
}
