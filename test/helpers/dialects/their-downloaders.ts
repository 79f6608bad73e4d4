/**
 * Scripted downloaders of the dialects of DIALECTS.md: the GET bytes each one writes, and
 * how it turns what it receives into the file it saves. Recv-based ones take their first
 * read (one 'data' event: whatever the kernel had, like one recv()) as the head and lose any
 * body byte in it; the line readers follow their own rules (F: five headers by position,
 * G: head lines into seven slots until `END`).
 */
import { connect as netConnect } from 'node:net';
import { withTimeout } from '../net.js';

export interface TheirDownloader {
  id: string;
  get(rfc: number): string;
  /** The file it saves from the chunks it received, in arrival order. */
  save(chunks: Buffer[]): Buffer;
}

function recvBased(id: string, get: (rfc: number) => string): TheirDownloader {
  return { id, get, save: (chunks) => Buffer.concat(chunks.slice(1)) };
}

/** Lines of `all` up to `count` lines (LF, CR dropped), and where the bytes after them start. */
function readLines(all: Buffer, stop: (line: string, n: number) => boolean): { lines: string[]; rest: Buffer } {
  const lines: string[] = [];
  let at = 0;
  for (;;) {
    const lf = all.indexOf(10, at);
    if (lf === -1) throw new Error(`head cut short after ${lines.length} lines`);
    const line = all.toString('latin1', at, all[lf - 1] === 13 ? lf - 1 : lf);
    at = lf + 1;
    if (stop(line, lines.length)) return { lines, rest: all.subarray(at) };
    lines.push(line);
  }
}

function lengthOf(line: string | undefined): number {
  const m = /^Content-Length:\s*(\d+)$/i.exec(line ?? '');
  if (m === null) throw new Error(`no Content-Length where expected: ${JSON.stringify(line)}`);
  return Number(m[1]);
}

export const THEIR_DOWNLOADERS: Record<string, TheirDownloader> = {
  A: recvBased('A', (rfc) => `GET RFC ${rfc} P2P-CI/1.0\nHost: vm\nOS: Linux 6.1\n`),
  C: {
    id: 'C',
    get: (rfc) => `GET RFC ${rfc} P2P-CI/1.0\r\nHost: vm\r\nOS: Linux`,
    // Content-Length from its first recv split on spaces: body bytes in that read break it.
    save(chunks) {
      const words = chunks[0]!.toString('latin1').split(' ');
      const i = words.findIndex((w) => w.endsWith('Content-Length:'));
      const length = Number(/^\d+\r\n(Content-Type:)?$/.test(words[i + 1] ?? '') ? /^\d+/.exec(words[i + 1]!)![0] : NaN);
      const body = Buffer.concat(chunks.slice(1));
      if (body.length !== length) throw new Error(`C expected ${length} bytes, got ${body.length}`);
      return body;
    },
  },
  D: recvBased('D', (rfc) => `GET RFC ${rfc} P2P-CI/1.0\nHost: vm\nOS: Linux\n\n`),
  E: recvBased('E', (rfc) => `GET RFC ${rfc} P2P-CI/1.0\nHost: vm\nOS: Linux\n`),
  F: {
    id: 'F',
    get: (rfc) => `GET RFC ${rfc} P2P-CI/1.0\r\nHost 127.0.0.1 \r\nOS Linux\r\n\r\n`,
    save(chunks) {
      const { lines, rest } = readLines(Buffer.concat(chunks), (line) => line === '');
      const names = lines.slice(1).map((l) => l.slice(0, l.indexOf(':')));
      if (names.join() !== 'Date,OS,Last-Modified,Content-Length,Content-Type') throw new Error(`F reads headers by position, got ${names.join()}`);
      return rest.subarray(0, lengthOf(lines[4]));
    },
  },
  G: {
    id: 'G',
    get: (rfc) => `GET RFC ${rfc} P2P-CI/1.0\nHost: vm\nOS: Linux\n\nEND\n`,
    save(chunks) {
      const { lines, rest } = readLines(Buffer.concat(chunks), (line, n) => {
        if (line === 'END') return true;
        if (n >= 7) throw new Error('ArrayIndexOutOfBoundsException: more than 7 head lines');
        return false;
      });
      const length = lengthOf(lines.find((l) => /^content-length:/i.test(l)));
      return rest.subarray(0, length);
    },
  },
};

/** Runs `d` against 127.0.0.1:port: writes its GET (G a few bytes at a time), keeps the chunks. */
export async function runTheirDownloader(d: TheirDownloader, port: number, rfc: number): Promise<{ file: Buffer; chunks: Buffer[] }> {
  const chunks: Buffer[] = [];
  await withTimeout(
    new Promise<void>((resolve, reject) => {
      const s = netConnect({ port, host: '127.0.0.1', noDelay: true }, () => {
        const bytes = Buffer.from(d.get(rfc), 'latin1');
        if (d.id !== 'G') s.write(bytes);
        else for (let i = 0; i < bytes.length; i += 4) s.write(bytes.subarray(i, i + 4));
      });
      s.on('data', (c: Buffer) => chunks.push(c));
      s.on('error', reject);
      s.on('close', () => resolve());
    }),
    15_000,
    `downloader ${d.id}`,
  );
  return { file: d.save(chunks), chunks };
}
