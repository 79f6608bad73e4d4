/**
 * Scripted index clients of the dialects of DIALECTS.md, built from its bytes: what each one
 * writes for ADD / LOOKUP / LIST, and how it reads an answer (its reader fails the way the
 * real one crashes). Used to show our server answers each in the shape it can read.
 */
import type { DialectId } from '../../../src/protocol/index.js';

export interface Me {
  host: string;
  port: number;
}

export interface ReadRecord {
  rfc: number;
  rest: string;
}

export interface TheirClient {
  id: DialectId;
  /** Sent once on a fresh connection before any request (E). */
  hello?: (me: Me) => string;
  add(rfc: number, title: string, me: Me): string;
  lookup(rfc: number, title: string, me: Me): string;
  list(me: Me): string;
  /** Lines it sends after each request (G's `END`). */
  after?: string;
  /** True once `bytes` hold a whole answer for this reader. */
  complete(bytes: string): boolean;
  /** Its reading of one answer: status code and records; throws where the real one crashes. */
  read(bytes: string): { status: number; records: ReadRecord[] };
}

/** Status code of a status line in any version word. */
function statusOf(line: string): number {
  const m = /^\S+ (\d{3})/.exec(line);
  if (m === null) throw new Error(`not a status line: ${JSON.stringify(line)}`);
  return Number(m[1]);
}

/** Records of `RFC n …` lines, or of `n …` lines where `prefix` is false. */
function recordsOf(lines: string[], prefix: boolean): ReadRecord[] {
  return lines.map((l) => {
    const w = l.split(' ');
    if (prefix && w[0] !== 'RFC') throw new Error(`not a record: ${JSON.stringify(l)}`);
    const n = Number(prefix ? w[1] : w[0]);
    if (!Number.isInteger(n)) throw new Error(`NumberFormatException: ${JSON.stringify(l)}`);
    return { rfc: n, rest: w.slice(prefix ? 2 : 1).join(' ') };
  });
}

/** A reader that prints whatever one recv() returned: any layout, §2 records. */
function loose(bytes: string) {
  const lines = bytes.split(/\r?\n/).filter((l) => l !== '');
  return { status: statusOf(lines[0]!), records: recordsOf(lines.slice(1), true) };
}

/** The spec's framing with the given line end: status, empty line, records, empty line. */
const specDone = (eol: string) => (b: string) => b.endsWith(eol + eol) && (b.split(eol).length >= 4 || !b.includes(' 200 '));

const lines = (eol: string, parts: string[], final: string) => parts.join(eol) + final;

export const THEIR_CLIENTS: Record<string, TheirClient> = {
  A: {
    id: 'A',
    add: (rfc, t, me) => lines('\n', [`ADD RFC ${rfc} P2P-CI/1.0`, `Host: ${me.host}`, `Post: ${me.port}`, `Title: ${t}`], '\n'),
    lookup: (rfc, t, me) => lines('\n', [`LOOKUP RFC ${rfc} P2P-CI/1.0`, `Host: ${me.host}`, `Post: ${me.port}`, `Title: ${t}`], '\n'),
    list: (me) => lines('\n', ['LIST ALL P2P-CI/1.0', `Host: ${me.host}`, `Post: ${me.port}`], '\n'),
    complete: specDone('\r\n'),
    read: loose,
  },
  B: {
    id: 'B',
    add: (rfc, t, me) => lines('\r\n', [`ADD RFC ${rfc} P2P-CI/1.0`, `Host: 127.0.0.1`, `Port: ${me.port}`, `Title: ${t}`], '\r\n'),
    lookup: (rfc, _t, me) => lines('\r\n', [`LOOKUP RFC ${rfc} P2P-CI/1.0`, `Host: 127.0.0.1`, `Port: ${me.port}`, 'Title: Unknown'], '\r\n'),
    list: (me) => lines('\r\n', ['LIST ALL P2P-CI/1.0', `Host: 127.0.0.1`, `Port: ${me.port}`], '\r\n'),
    complete: specDone('\r\n'),
    read: loose,
  },
  C: {
    id: 'C',
    add: (rfc, t, me) => lines('\r\n', [`ADD RFC ${rfc} P2P-CI/1.0`, `Host: ${me.host}`, `Port: ${me.port}`, `Title: ${t}`], ''),
    lookup: (rfc, t, me) => lines('\r\n', [`LOOKUP RFC ${rfc} P2P-CI/1.0`, `Host: ${me.host}`, `Port: ${me.port}`, `Title: ${t}`], ''),
    list: (me) => lines('\r\n', ['LIST ALL P2P-CI/1.0', `Host: ${me.host}`, `Port: ${me.port}`], ''),
    complete: specDone('\r\n'),
    read: loose,
  },
  E: {
    id: 'E',
    // Its answer is never read: one would shift every later answer by one.
    hello: (me) => `CONNECT ${me.port} P2P-CI/1.0\n`,
    add: (rfc, t, me) => lines('\n', [`ADD RFC ${rfc} P2P-CI/1.0`, `Host: ${me.host}`, `Port: ${me.port}`, `Title: ${t}`], '\n'),
    lookup: (rfc, t, me) => lines('\n', [`LOOKUP RFC ${rfc} P2P-CI/1.0`, `Host: ${me.host}`, `Port: ${me.port}`, `Title: ${t}`], '\n'),
    list: (me) => lines('\n', ['LIST ALL P2P-CI/1.0', `Host: ${me.host}`, `Port: ${me.port}`], '\n'),
    complete: specDone('\r\n'),
    read: loose,
  },
  F: {
    id: 'F',
    add: (rfc, t, me) => lines('\r\n', [`ADD RFC ${rfc} P2P-CI/1.0`, `Host: ${me.host}`, `Port: ${me.port}`, `Title: ${t}`], '\n'),
    lookup: (rfc, t, me) => lines('\r\n', [`LOOKUP RFC ${rfc} P2P-CI/1.0`, `Host: ${me.host}`, `Port: ${me.port}`, `Title: ${t}`], '\n'),
    list: (me) => lines('\r\n', ['LIST ALL P2P-CI/1.0', `Host: ${me.host}`, `Port: ${me.port}`], '\n'),
    complete: (b) => /\r?\n\r?\n$/.test(b) || /\n\r?\n/.test(b),
    // Line by line until an empty line; each record's first word is a number.
    read(bytes) {
      const ls = bytes.split(/\r?\n/);
      const end = ls.indexOf('', 1);
      return { status: statusOf(ls[0]!), records: recordsOf(ls.slice(1, end), false) };
    },
  },
  G: {
    id: 'G',
    add: (rfc, t, me) => lines('\n', [`ADD RFC ${rfc} P2P-CI/1.0`, `Host: ${me.host}`, `Port: ${me.port}`, `Title: ${t}`], '\n\n'),
    lookup: (rfc, t, me) => lines('\n', [`LOOKUP RFC ${rfc} P2P-CI/1.0`, `Host: ${me.host}`, `Port: ${me.port}`, `Title: ${t}`], '\n\n'),
    list: (me) => lines('\n', ['LIST ALL P2P-CI/1.0', `Host: ${me.host}`, `Port: ${me.port}`], '\n\n'),
    after: 'END\n',
    // Every answer until a line END; without it, it waits for ever.
    complete: (b) => /(^|\n)END\r?\n$/.test(b),
    read(bytes) {
      const ls = bytes.split(/\r?\n/);
      const end = ls.indexOf('END');
      if (end === -1) throw new Error('no END line');
      const body = ls.slice(0, end).filter((l) => l !== '');
      return { status: statusOf(body[0]!), records: recordsOf(body.slice(1), true) };
    },
  },
  H: {
    id: 'H',
    add: (rfc, t, me) => lines('\r\n', [`ADD RFC ${rfc} P2P-CI/1.0`, `Host:${me.host}`, `Port:${me.port}`, `Title:${t}`], '\r\n\r\n'),
    lookup: (rfc, _t, me) => lines('\r\n', [`LOOKUP RFC ${rfc} P2P-CI/1.0`, `Host:${me.host}`], '\r\n\r\n'),
    list: (me) => lines('\r\n', ['LIST ALL P2P-CI/1.0', `Host:${me.host}`], '\r\n\r\n'),
    complete: (b) => b.includes('\r\n\r\n'),
    // Until \r\n\r\n, then split on \r\n: an empty line right after the status is a record: crash.
    read(bytes) {
      const ls = bytes.slice(0, bytes.indexOf('\r\n\r\n')).split('\r\n');
      if (ls.length > 1 && ls[1] === '') throw new Error('IndexError: empty record line');
      return { status: statusOf(ls[0]!), records: recordsOf(ls.slice(1), true) };
    },
  },
  I: {
    id: 'I',
    add: (rfc, t, me) => lines('\n', [`ADD RFC ${rfc} P2P-CI-v1.0.0`, `Host: ${me.host}`, `Port: ${me.port}`, `Title: ${t}`], ''),
    lookup: (rfc, t, me) => lines('\n', [`LOOKUP RFC ${rfc} P2P-CI-v1.0.0`, `Host: ${me.host}`, `Port: ${me.port}`, `Title: ${t}`], ''),
    list: (me) => lines('\n', ['LIST ALL P2P-CI-v1.0.0', `Host: ${me.host}`, `Port: ${me.port}`], ''),
    complete: specDone('\n'),
    read(bytes) {
      if (!bytes.startsWith('P2P-CI-v1.0.0 ')) throw new Error(`not its version word: ${JSON.stringify(bytes.slice(0, 20))}`);
      return loose(bytes);
    },
  },
};
