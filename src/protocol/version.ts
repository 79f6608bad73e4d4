/** The only protocol version this implementation speaks (PROTOCOL.md §2). */
export const PROTOCOL_VERSION = 'P2P-CI/1.0';

/** A version-shaped word: `P2P-CI/<major>.<minor>`, compared case-insensitively (§6). */
const VERSION_WORD = /^p2p-ci\/\d+\.\d+$/i;

export function isVersionWord(word: string): boolean {
  return VERSION_WORD.test(word);
}

export function isSupportedVersion(word: string): boolean {
  return word.toUpperCase() === PROTOCOL_VERSION;
}
