/**
 * Scripted index servers of the dialects of DIALECTS.md, built from its bytes: how each frames
 * and parses a request, and what it answers (B: no empty lines, no ADD echo, 200 for absent;
 * C: one recv per request, CRLF or 505, the title is everything after `Title:`; D: LF only,
 * `LIST <version>`, `<sp>` records; E: CRLF → 505, an ADD before `CONNECT` stored and the
 * connection closed unanswered, titles cut to their first word; F: exactly 4 lines per request
 * (3 for LIST), an empty line read as a request kills it, records without RFC, `\r\n\n`;
 * G: nothing before `END`; H: CRLF only, LIST without RFC).
 */
import { createServer, type Socket } from 'node:net';

interface Rec {
  rfc: number;
  title: string;
  host: string;
  port: number;
  /** The connection that ADDed it (F drops a connection's records when its thread dies). */
  conn?: Socket;
}

export interface TheirServer {
  port: number;
  /** Every chunk of bytes it received, in order, per connection. */
  received: string[][];
  records: Rec[];
  close(): Promise<void>;
}

type Handler = (s: Socket, input: string, db: Rec[]) => string;

const field = (lines: string[], name: string, trim = true) => {
  const l = lines.find((x) => x.toLowerCase().startsWith(name.toLowerCase() + ':'));
  if (l === undefined) return undefined;
  const v = l.slice(name.length + 1);
  return trim ? v.trim() : v;
};
const words = (line: string) => line.trim().split(/\s+/);

/** Per connection: E's `CONNECT` port; F's thread died (it reads no more). */
const state = new WeakMap<Socket, { connectPort?: number; dead?: boolean }>();
const stateOf = (s: Socket) => {
  let st = state.get(s);
  if (st === undefined) state.set(s, (st = {}));
  return st;
};
/** The whole lines of `input` and the unterminated rest. */
const wholeLines = (input: string): [string[], string] => {
  const cut = input.lastIndexOf('\n') + 1;
  return [input.slice(0, cut).split('\n').slice(0, -1), input.slice(cut)];
};

/** Takes the complete requests off the front of `input` (returns the rest), answering each. */
const HANDLERS: Record<string, Handler> = {
  B(s, input, db) {
    // Requests start at a method line; each chunk holds whole requests (recv-based).
    const lines = input.split('\r\n').filter((l) => l !== '');
    for (let i = 0; i < lines.length; ) {
      const head = words(lines[i]!);
      const block = [lines[i]!];
      for (i++; i < lines.length && !/^(ADD|LOOKUP|LIST) /.test(lines[i]!); i++) block.push(lines[i]!);
      if (block.slice(1).some((l) => !/^(Host|Port|Title):/.test(l))) { s.write('P2P-CI/1.0 400 Bad Request\r\n'); continue; }
      const rfc = Number(head[2]);
      if (head[0] === 'ADD') {
        db.push({ rfc, title: field(block, 'Title')!, host: field(block, 'Host')!, port: Number(field(block, 'Port')) });
        s.write('P2P-CI/1.0 200 OK\r\n');
      } else {
        const hits = head[0] === 'LIST' ? db : db.filter((r) => r.rfc === rfc);
        s.write('P2P-CI/1.0 200 OK\r\n' + hits.map((r) => `RFC ${r.rfc} ${r.title} ${r.host} ${r.port}\r\n`).join(''));
      }
    }
    return '';
  },
  C(s, input, db) {
    if (!input.includes('\r\n')) {
      s.end('505 P2P-CI Version Not Supported');
      return '';
    }
    const lines = input.split('\r\n');
    const head = words(lines[0]!);
    const host = field(lines, 'Host')!;
    const port = Number(field(lines, 'Port'));
    const t = input.indexOf('Title:');
    const title = t === -1 ? '' : input.slice(t + 6).replace(/^ /, '');
    const rfc = Number(head[2]);
    const rec = (r: Rec) => `RFC ${r.rfc} ${r.title} ${r.host} ${r.port}`;
    if (head[0] === 'ADD') {
      if (db.some((r) => r.rfc === rfc && r.title === title && r.host === host && r.port === port)) s.write('400 Bad Request\r\nRFC already exists under your registration\n');
      else {
        db.push({ rfc, title, host, port });
        s.write(`P2P-CI/1.0 200 OK\r\n${rec(db.at(-1)!)}`);
      }
    } else {
      const hits = head[0] === 'LIST' ? db : db.filter((r) => r.rfc === rfc && r.title === title && title !== '');
      s.write(hits.length === 0 ? 'P2P-CI/1.0 404 Not Found\r\n' : `P2P-CI/1.0 200 OK\r\n${hits.map(rec).join('\r\n')}`);
    }
    return '';
  },
  D(s, input, db) {
    let rest = input;
    // Lines split on LF alone: a CRLF request's version word is `P2P-CI/1.0\r`; its empty line is `\r`.
    for (let m = /\n\r?\n/.exec(rest); m !== null; m = /\n\r?\n/.exec(rest)) {
      const lines = rest.slice(0, m.index).split('\n');
      rest = rest.slice(m.index + m[0].length);
      const head = lines[0]!.split(' ');
      const version = head[0] === 'LIST' ? head[1] : head.at(-1);
      if (version !== 'P2P-CI/1.0') { s.write('P2P-CI/1.0 505 P2P-CI Version Not Supported\n\n'); continue; }
      const rfc = Number(head[2]);
      const rec = (r: Rec) => `${r.rfc}<sp>${r.title}<sp>127.0.0.1<sp>${s.remotePort}<sp>${r.port}\n`;
      if (head[0] === 'ADD') {
        db.push({ rfc, title: field(lines, 'Title')!, host: field(lines, 'Host')!, port: Number(field(lines, 'Port')) });
        s.write(`P2P-CI/1.0 200 OK\n${rec(db.at(-1)!)}\n`);
      } else {
        const hits = head[0] === 'LIST' ? db : db.filter((r) => r.rfc === rfc);
        s.write(hits.length === 0 ? 'P2P-CI/1.0 404 Not Found\n\n' : `P2P-CI/1.0 200 OK\n${hits.map(rec).join('')}\n`);
      }
    }
    return rest;
  },
  E(s, input, db) {
    // One recv is one or more whole messages; lines split on LF alone, so a CRLF request's
    // version word is `P2P-CI/1.0\r`.
    const st = stateOf(s);
    const lines = input.split('\n').filter((l) => l !== '');
    for (let i = 0; i < lines.length && !st.dead; ) {
      const head = lines[i]!.split(' ');
      if (head[0] === 'CONNECT') {
        st.connectPort = Number(head[1]);
        i++;
        continue; // never answered
      }
      const block = [lines[i]!];
      for (i++; i < lines.length && !/^(ADD|LOOKUP|LIST|CONNECT) /.test(lines[i]!); i++) block.push(lines[i]!);
      if (head.at(-1) !== 'P2P-CI/1.0') {
        s.write('P2P-CI/1.0 505 P2P-CI Version Not Supported\n\n');
        continue;
      }
      const rfc = Number(head[2]);
      const rec = (r: Rec) => `RFC ${r.rfc} ${r.title} ${r.host} ${r.port}\n`;
      if (head[0] === 'ADD') {
        const title = field(block, 'Title')!.split(' ')[0]!; // cut to its first word
        db.push({ rfc, title, host: field(block, 'Host')!, port: st.connectPort ?? Number(field(block, 'Port')) });
        if (st.connectPort === undefined) {
          // No peer entry for this connection: the thread dies, and the socket closes with it.
          st.dead = true;
          s.end();
          break;
        }
        s.write(`P2P-CI/1.0 200 OK\n${rec(db.at(-1)!)}`);
      } else {
        const hits = head[0] === 'LIST' ? db : db.filter((r) => r.rfc === rfc);
        s.write(hits.length === 0 ? 'P2P-CI/1.0 404 Not Found\n\n' : `P2P-CI/1.0 200 OK\n${hits.map(rec).join('')}\n`);
      }
    }
    return '';
  },
  F(s, input, db) {
    // A line reader (CRLF or LF), exactly 4 lines per request and 3 for LIST.
    const st = stateOf(s);
    let [lines, rest] = wholeLines(input);
    lines = lines.map((l) => l.replace(/\r$/, ''));
    while (!st.dead && lines.length > 0) {
      const head = lines[0]!.split(' ');
      if (head.length < 3) {
        // `""` read as a request line: the thread dies (its finally drops the peer's records);
        // the socket stays open and is never read again.
        st.dead = true;
        for (let i = db.length - 1; i >= 0; i--) if (db[i]!.conn === s) db.splice(i, 1);
        return '';
      }
      const n = head[0] === 'LIST' ? 3 : 4;
      if (lines.length < n) break;
      const block = lines.splice(0, n);
      const rfc = Number(head[2]);
      const rec = (r: Rec) => `${r.rfc} ${r.title} ${r.host} ${r.port}\r\n`;
      if (head[0] === 'ADD') {
        db.push({ rfc, title: field(block, 'Title')!, host: field(block, 'Host')!, port: Number(field(block, 'Port')), conn: s });
        s.write('P2P-CI/1.0 200 OK\r\n\n');
      } else {
        const hits = head[0] === 'LIST' ? db : db.filter((r) => r.rfc === rfc);
        // (Its error lines in its uploader's words: `P2PCI/1.0 404 NOT FOUND`.)
        s.write(hits.length === 0 ? 'P2PCI/1.0 404 NOT FOUND\r\n\n' : `P2P-CI/1.0 200 OK\r\n${hits.map(rec).join('')}\n`);
      }
    }
    return st.dead ? '' : lines.map((l) => l + '\n').join('') + rest;
  },
  G(s, input, db) {
    let rest = input;
    for (let end = rest.search(/(^|\n)END\r?\n/); end !== -1; end = rest.search(/(^|\n)END\r?\n/)) {
      const lines = rest.slice(0, end).split(/\r?\n/).filter((l) => l !== '');
      rest = rest.slice(rest.indexOf('END', end) + 3).replace(/^\r?\n/, '');
      if (lines.length === 0) continue;
      const head = words(lines[0]!);
      const rfc = Number(head[2]);
      const rec = (r: Rec) => `RFC ${r.rfc} ${r.title} ${r.host} ${r.port}\n`;
      if (head[0] === 'ADD') {
        db.push({ rfc, title: field(lines, 'Title')!, host: field(lines, 'Host')!, port: Number(field(lines, 'Port')) });
        s.write(`P2P-CI/1.0 200 OK\n\n${rec(db.at(-1)!)}\nEND\n`);
      } else {
        const hits = head[0] === 'LIST' ? db : db.filter((r) => r.rfc === rfc);
        s.write(hits.length === 0 && head[0] !== 'LIST' ? 'P2P-CI/1.0 404 Not Found\n\n\nEND\n' : `P2P-CI/1.0 200 OK\n\n${hits.map(rec).join('')}\nEND\n`);
      }
    }
    return rest;
  },
  H(s, input, db) {
    let rest = input;
    for (let end = rest.indexOf('\r\n\r\n'); end !== -1; end = rest.indexOf('\r\n\r\n')) {
      const lines = rest.slice(0, end).split('\r\n');
      rest = rest.slice(end + 4);
      const head = words(lines[0]!);
      const rfc = Number(head[2]);
      // Header values keep their leading space.
      const v = (n: string) => field(lines, n, false) ?? '';
      if (head[0] === 'ADD') {
        db.push({ rfc, title: v('Title'), host: v('Host'), port: Number(v('Port')) });
        const r = db.at(-1)!;
        s.write(`P2P-CI/1.0 200 OK\r\nRFC ${r.rfc} ${r.title} ${r.host} ${r.port}\r\n\r\n`);
      } else if (head[0] === 'LIST') {
        s.write(`P2P-CI/1.0 200 OK\r\n${db.map((r) => `${r.rfc} ${r.title} ${r.host} ${r.port}\r\n`).join('')}\r\n`);
      } else {
        const hits = db.filter((r) => r.rfc === rfc);
        s.write(hits.length === 0 ? 'P2P-CI/1.0 404 Not Found\r\n\r\n' : `P2P-CI/1.0 200 OK\r\n${hits.map((r) => `RFC ${r.rfc} ${r.title} ${r.host} ${r.port}\r\n`).join('')}\r\n`);
      }
    }
    // LF-only requests get no answer: never complete here.
    return rest;
  },
};

export async function startTheirServer(id: string): Promise<TheirServer> {
  const received: string[][] = [];
  const records: Rec[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    const mine: string[] = [];
    received.push(mine);
    let pending = '';
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
    s.on('data', (c: Buffer) => {
      mine.push(c.toString('latin1'));
      // C and B answer per recv(): one chunk is one request (or several whole ones).
      pending = id === 'C' || id === 'B' ? HANDLERS[id]!(s, c.toString('latin1'), records) : HANDLERS[id]!(s, pending + c.toString('latin1'), records);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    received,
    records,
    close: () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
