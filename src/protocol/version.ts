/** The only protocol version this implementation speaks (PROTOCOL.md §2). */
export const PROTOCOL_VERSION = 'P2P-CI/1.0';

/**
 * A version-shaped word, compared case-insensitively (§6): `P2P-CI/<major>.<minor>` and what
 * other implementations put in its place (`P2P-CI-v1.0.0`, `P2PCI/1.0`, `HTTP/1.1`). §4 makes
 * every such word that is not `P2P-CI/1.0` a 505, not a 400: the request is well formed, only
 * its version is one we don't speak.
 */
const VERSION_WORD = /^(?:p2p[\w./-]*\d[\w./-]*|[a-z][a-z0-9-]*\/\d+(?:\.\d+)*)$/i;

export function isVersionWord(word: string): boolean {
  return VERSION_WORD.test(word);
}

export function isSupportedVersion(word: string): boolean {
  return word.toUpperCase() === PROTOCOL_VERSION;
}
