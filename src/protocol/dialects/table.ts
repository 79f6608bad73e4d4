import { SHAPE } from './shape.js';
import type { ClientStyle, GetStyle } from './request-encode.js';
import type { IndexMethod } from '../messages.js';

/**
 * The known P2P-CI dialects (DIALECTS.md), one entry each, as data. Generic code asks this
 * table; no server, uploader, client or downloader carries a workaround of its own. A tenth
 * dialect is one entry here, covering the directions its bytes call for:
 * - its client and downloader → our server and uploader: `matches` (the request shape bits
 *   that identify it), `answer`, `endFramed`, `silentLines`, `requestVersion`;
 * - our index client → its server: `server` (its reactions to our spec requests, what to change);
 * - our downloader → its uploader: `uploader` (its reactions to our spec GET, what to send next)
 *   and `statusVersion`;
 * plus its byte fixtures in test/unit/protocol-dialects*.test.ts and a scripted counterpart
 * per direction in test/helpers/dialects/.
 */
export type DialectId = 'spec' | 'A' | 'B' | 'C' | 'D' | 'E' | 'F' | 'G' | 'H' | 'I';

/** How an index-server answer is laid out for a client of a dialect. */
export interface AnswerStyle {
  readonly eol: '\r\n' | '\n';
  /** The status line's version word. */
  readonly version: string;
  /** §2's empty line between the status line and the records. */
  readonly emptyAfterStatus: boolean;
  /** Record lines start with `RFC ` (§2). */
  readonly recordPrefix: boolean;
}

export interface Fingerprint {
  readonly all: number;
  readonly none?: number;
}

/** What an index server did that shows its dialect to our client (DIALECTS.md, our client → their server). */
export type ServerEvidence =
  /** A 505 to a correct request. */
  | 'status-505'
  /** An ADD answer whose echo line is neither a record nor a status line. */
  | 'garbled-echo'
  /** An answer whose lines end both in CR LF and in LF alone (F's `P2P-CI/1.0 200 OK\r\n\n`). */
  | 'mixed-line-ends'
  /** A fresh connection stayed silent after our first request. */
  | 'silence'
  /** The connection closed with our request unanswered. */
  | 'closed';

/**
 * How our index client reacts to a piece of evidence from a server of this dialect: the
 * change to how it writes, and what becomes of the request that drew the evidence.
 */
export interface ServerReaction {
  readonly on: ServerEvidence;
  /** Only for answers to this method. */
  readonly method?: IndexMethod;
  /** Only while our style has these values: the evidence shows this dialect only then. */
  readonly when: Partial<ClientStyle>;
  readonly adopt: Partial<ClientStyle>;
  /**
   * `again`: the answer was the reaction, not the answer; the request goes again in the new
   * style. `complete`: the request already sent is completed by what the new style adds (G's
   * `END`). `take`: the answer stands.
   */
  readonly then: 'again' | 'complete' | 'take';
  /**
   * The server no longer reads this connection (E's thread died; F takes our empty line for a
   * request and dies): a fresh connection before the next request.
   */
  readonly redial?: boolean;
}

/** What an uploader did that shows its dialect to our downloader (DIALECTS.md, our downloader → their uploader). */
export type UploaderEvidence =
  /** A 505 to our GET. */
  | 'status-505'
  /** A fresh connection stayed silent after our GET. */
  | 'silence'
  /** The answer's head ended with a line `END`. */
  | 'end-framed'
  /** The status line's version word is this dialect's `statusVersion`. */
  | 'status-version'
  /** Exactly Content-Length body bytes arrived, then neither more nor a close. */
  | 'held-open';

/** How our downloader reacts to a piece of evidence from an uploader of this dialect. */
export interface UploaderReaction {
  readonly on: UploaderEvidence;
  /** Only while our GET style has these values. */
  readonly when: Partial<GetStyle>;
  readonly adopt: Partial<GetStyle>;
  /**
   * `again`: the answer was the reaction; the same GET goes once more, on a fresh connection,
   * in the new style. `complete`: what the new style adds is written after the GET already
   * sent (G's `END`). `take`: the answer stands; the style is for the next GET.
   */
  readonly then: 'again' | 'complete' | 'take';
  /**
   * Only a try (silence may be a slow spec uploader): kept, and the dialect named, only when
   * the answer's head then shows evidence of this same dialect; otherwise undone.
   */
  readonly tentative?: boolean;
}

export interface Dialect {
  readonly id: DialectId;
  readonly summary: string;
  /**
   * Recognised from a request whose shape has every `all` bit and no `none` bit of one of
   * these; entries are tried in table order, so the more specific ones come first. The spec
   * has none: it is what is left.
   */
  readonly matches: readonly Fingerprint[];
  /** How our index server answers this dialect's client. */
  readonly answer: AnswerStyle;
  /** A line `END` follows every message: we write one after each answer and each GET head. */
  readonly endFramed?: boolean;
  /**
   * Lines its client sends where a request line is expected, accepted and never answered;
   * `evidence` is the shape bit such a line proves for the connection.
   */
  readonly silentLines?: readonly { readonly word: string; readonly evidence: number }[];
  /** The version word its requests carry instead of `P2P-CI/1.0`. */
  readonly requestVersion?: string;
  /** The version word of its uploader's status lines, when not `P2P-CI/x.y`. */
  readonly statusVersion?: string;
  /** How our index client recognises its server and adapts to it, tried in table order. */
  readonly server?: readonly ServerReaction[];
  /** How our downloader recognises its uploader and adapts to it, tried in table order. */
  readonly uploader?: readonly UploaderReaction[];
}

export const SPEC_ANSWER: AnswerStyle = { eol: '\r\n', version: 'P2P-CI/1.0', emptyAfterStatus: true, recordPrefix: true };

const { CRLF, LF, LAST_LF, UNTERMINATED, BLANK_END, TIGHT_HEADER, COLONLESS_HEADER, ALT_VERSION, CONNECT_FIRST, END_FRAMED } = SHAPE;

export const DIALECT_TABLE: readonly Dialect[] = [
  {
    id: 'I',
    summary: 'version word P2P-CI-v1.0.0, LF, no final line end',
    matches: [{ all: ALT_VERSION }],
    answer: { eol: '\n', version: 'P2P-CI-v1.0.0', emptyAfterStatus: true, recordPrefix: true },
    requestVersion: 'P2P-CI-v1.0.0',
  },
  {
    id: 'G',
    summary: 'every message followed by a line END',
    matches: [{ all: END_FRAMED }],
    answer: SPEC_ANSWER,
    endFramed: true,
    silentLines: [{ word: 'END', evidence: END_FRAMED }],
    // Its server answers nothing before a line END: a spec server answers at once.
    server: [{ on: 'silence', when: { eol: '\r\n', end: false }, adopt: { end: true }, then: 'complete' }],
    // Its uploader too waits for END; its head ends with one (a slow spec uploader's does not).
    uploader: [
      { on: 'silence', when: { end: false }, adopt: { end: true }, then: 'complete', tentative: true },
      { on: 'end-framed', when: {}, adopt: { end: true }, then: 'take' },
    ],
  },
  {
    id: 'E',
    summary: 'CONNECT <port> first, LF, QUIT on exit',
    matches: [{ all: CONNECT_FIRST }],
    answer: SPEC_ANSWER,
    silentLines: [{ word: 'CONNECT', evidence: CONNECT_FIRST }, { word: 'QUIT', evidence: 0 }],
    // Its server answers CRLF with 505 (D's reaction below teaches LF), and an LF request
    // before `CONNECT` kills its thread: the connection closes unanswered.
    server: [{ on: 'closed', when: { eol: '\n', connect: false }, adopt: { connect: true }, then: 'again', redial: true }],
    // Its uploader answers a CRLF GET 505, an LF one with the exact bytes. (D's uploader shows
    // the same 505, but its LF answer is in text mode: it fails on Content-Length, never named.)
    uploader: [{ on: 'status-505', when: { eol: '\r\n' }, adopt: { eol: '\n' }, then: 'again' }],
  },
  {
    // Its client takes an empty line right after the status line for a record and crashes.
    id: 'H',
    summary: 'Host:value without a space, CRLF with the empty line',
    matches: [{ all: TIGHT_HEADER }],
    answer: { ...SPEC_ANSWER, emptyAfterStatus: false },
    silentLines: [{ word: 'DISCONNECT', evidence: 0 }],
  },
  {
    // Its client reads until an empty line (so none after the status) and parses each
    // record's first word as a number.
    id: 'F',
    summary: 'CRLF with LF after the last line, GET headers without colons, records without RFC',
    matches: [{ all: LAST_LF }, { all: COLONLESS_HEADER }],
    answer: { ...SPEC_ANSWER, emptyAfterStatus: false, recordPrefix: false },
    statusVersion: 'P2PCI/1.0',
    uploader: [{ on: 'status-version', when: {}, adopt: {}, then: 'take' }],
    // Its server reads exactly 4 lines per request (3 for LIST): our empty line is the next
    // request's first line and its thread dies. Its answers end CRLF lines with a bare LF.
    server: [{ on: 'mixed-line-ends', when: { emptyLine: true }, adopt: { emptyLine: false }, then: 'take', redial: true }],
  },
  {
    id: 'C',
    summary: 'CRLF between lines, no final line end, no empty line',
    matches: [{ all: CRLF | UNTERMINATED, none: LF }],
    answer: SPEC_ANSWER,
    // Its server stores everything after `Title:`, our line ends included, and echoes it.
    server: [{ on: 'garbled-echo', method: 'ADD', when: { emptyLine: true }, adopt: { emptyLine: false, finalEol: false }, then: 'again' }],
  },
  {
    id: 'A',
    summary: 'LF, no empty line, Post: for Port:',
    matches: [{ all: LF, none: CRLF | BLANK_END }],
    answer: SPEC_ANSWER,
  },
  {
    id: 'D',
    summary: 'LF with the empty line',
    matches: [{ all: LF | BLANK_END, none: CRLF }],
    answer: SPEC_ANSWER,
    // Its server splits on LF alone (a CRLF request's version is `P2P-CI/1.0\r`) and takes
    // LIST's second word for the version.
    server: [
      { on: 'status-505', when: { eol: '\r\n' }, adopt: { eol: '\n' }, then: 'again' },
      { on: 'status-505', method: 'LIST', when: { eol: '\n', listAll: true }, adopt: { listAll: false }, then: 'again' },
    ],
  },
  {
    id: 'B',
    summary: 'CRLF, no empty line',
    matches: [{ all: CRLF, none: LF | BLANK_END | UNTERMINATED }],
    answer: SPEC_ANSWER,
    // Its uploader never closes after the body (G's neither, but G's head named it first).
    uploader: [{ on: 'held-open', when: {}, adopt: {}, then: 'take' }],
  },
  {
    id: 'spec',
    summary: 'PROTOCOL.md exactly',
    matches: [],
    answer: SPEC_ANSWER,
  },
];
