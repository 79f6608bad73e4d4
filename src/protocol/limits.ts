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

/**
 * Exactly the four parser limits, defaults filled in. Not `{...DEFAULT_LIMITS, ...partial}`:
 * given the server's whole limits object, that spread copies a dozen foreign fields and V8
 * gives every copy its own hidden class — ~0.5 KB per connection (bench: idle peers).
 */
export function withDefaults(partial?: Partial<ParserLimits>): ParserLimits {
  return {
    maxLineBytes: partial?.maxLineBytes ?? DEFAULT_LIMITS.maxLineBytes,
    maxHeaders: partial?.maxHeaders ?? DEFAULT_LIMITS.maxHeaders,
    maxRequestBytes: partial?.maxRequestBytes ?? DEFAULT_LIMITS.maxRequestBytes,
    maxTitleLength: partial?.maxTitleLength ?? DEFAULT_LIMITS.maxTitleLength,
  };
}
