import type { StatusCode } from './status.js';

/**
 * Every way a message can be refused. The code says what went wrong; the status it maps to
 * is decided here, in one place, and nowhere else.
 */
export type ProtocolErrorCode =
  | 'MALFORMED_REQUEST_LINE'
  | 'UNKNOWN_METHOD'
  | 'BAD_RFC_NUMBER'
  | 'VERSION_NOT_SUPPORTED'
  | 'MALFORMED_HEADER'
  | 'MISSING_HEADER'
  | 'BAD_PORT'
  | 'LINE_TOO_LONG'
  | 'TOO_MANY_HEADERS'
  | 'REQUEST_TOO_LARGE'
  | 'TITLE_TOO_LONG'
  /** Bytes no text client sends (NUL, other control bytes, invalid UTF-8) where a request line should be. */
  | 'BINARY_INPUT'
  | 'MALFORMED_STATUS_LINE'
  | 'MALFORMED_RECORD_LINE'
  | 'BAD_CONTENT_LENGTH'
  | 'RECORD_LIMIT'
  /** The store behind the index (Redis) can't be reached; §4 has no better code than 400. */
  | 'INDEX_UNAVAILABLE';

const STATUS_OF: Readonly<Record<ProtocolErrorCode, StatusCode>> = {
  MALFORMED_REQUEST_LINE: 400,
  UNKNOWN_METHOD: 400,
  BAD_RFC_NUMBER: 400,
  VERSION_NOT_SUPPORTED: 505,
  MALFORMED_HEADER: 400,
  MISSING_HEADER: 400,
  BAD_PORT: 400,
  LINE_TOO_LONG: 400,
  TOO_MANY_HEADERS: 400,
  REQUEST_TOO_LARGE: 400,
  TITLE_TOO_LONG: 400,
  BINARY_INPUT: 400,
  MALFORMED_STATUS_LINE: 400,
  MALFORMED_RECORD_LINE: 400,
  BAD_CONTENT_LENGTH: 400,
  RECORD_LIMIT: 400,
  INDEX_UNAVAILABLE: 400,
};

export class ProtocolError extends Error {
  readonly code: ProtocolErrorCode;
  readonly status: StatusCode;

  constructor(code: ProtocolErrorCode, message: string) {
    // A refused request is an answer, not a bug: no stack trace to capture, which would cost
    // more than parsing the request did (garbage floods make thousands of these a second).
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
    this.name = 'ProtocolError';
    this.code = code;
    this.status = STATUS_OF[code];
  }
}

export function statusOf(code: ProtocolErrorCode): StatusCode {
  return STATUS_OF[code];
}
