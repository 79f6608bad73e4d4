/**
 * Size limits applied to everything read from the network. Every parser takes them as
 * options so that the server's CLI flags reach them unchanged.
 */
export interface ParserLimits {
  /** Longest line in bytes, without its line ending. */
  maxLineBytes: number;
  /** Most header lines one request may carry (unknown headers count too). */
  maxHeaders: number;
  /** Most bytes one request may take, request line and headers included. */
  maxRequestBytes: number;
  /** Longest title in characters. */
  maxTitleLength: number;
}

export const DEFAULT_LIMITS: Readonly<ParserLimits> = {
  maxLineBytes: 4096,
  maxHeaders: 32,
  maxRequestBytes: 16384,
  maxTitleLength: 1024,
};

export function withDefaults(partial?: Partial<ParserLimits>): ParserLimits {
  return { ...DEFAULT_LIMITS, ...partial };
}
