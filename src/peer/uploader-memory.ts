import type { LearntUploader, PeerAddress } from '../protocol/index.js';
import { RecentMap } from './recent-map.js';

/**
 * What each uploader address needed (DIALECTS.md, our downloader → their uploader), learnt by
 * one GET and used by the next one to it in this process: the 1.0 downloader starts in that
 * style, and `get`'s swarm leaves uploaders known to speak a dialect to the 1.0 downloader.
 */
const remembered = new RecentMap<string, LearntUploader>(4096);

const keyOf = (peer: PeerAddress): string => `${peer.host}:${peer.port}`;

export function learntUploader(peer: PeerAddress): LearntUploader | undefined {
  return remembered.get(keyOf(peer));
}

/** `learnt` null: the uploader spoke the spec; whatever was known of it is forgotten. */
export function rememberUploader(peer: PeerAddress, learnt: LearntUploader | null): void {
  if (learnt === null) remembered.delete(keyOf(peer));
  else remembered.set(keyOf(peer), learnt);
}
