import { encodeGetResponseHead } from '../protocol/index.js';
import { escapeBytes, firstDifference } from './escape.js';
import { get, getFailure, getRequest, IMF_FIXDATE, served, servedRfc, type GetExchange } from './peer-kit.js';
import { CaseFailure, CaseSkipped, type CaseContext, type CheckCase } from './types.js';

/** The served file (--file) or a skip: byte comparisons need to know what the peer shares. */
function fileOf(ctx: CaseContext): Buffer {
  if (ctx.file === undefined) throw new CaseSkipped('needs --file PATH (the file the peer serves) to compare bytes');
  return ctx.file;
}

const count = (b: Buffer, seq: Buffer) => {
  let n = 0;
  for (let i = b.indexOf(seq); i !== -1; i = b.indexOf(seq, i + seq.length)) n++;
  return n;
};

/** A body feature the file has must survive the transfer; skipped when the file lacks it. */
function keeps(id: string, description: string, has: (file: Buffer) => string | null, measure: (b: Buffer) => number): CheckCase {
  return {
    id, section: '3', description,
    async run(ctx) {
      const file = fileOf(ctx);
      const what = has(file);
      if (what === null) throw new CaseSkipped('the file has none');
      const ex = await get(ctx, getRequest(servedRfc(ctx)));
      const { body } = served(ex);
      if (measure(body) !== measure(file)) {
        throw getFailure(ex, `the file has ${measure(file)} ${what}, the body ${measure(body)}; ${firstDifference(file, body)}`, '§3: the body is the file\'s bytes as stored: no re-encoding, no line-ending conversion');
      }
    },
  };
}

const isUtf8 = (b: Buffer) => {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(b);
    return true;
  } catch {
    return false;
  }
};
const nonUtf8Bytes = (b: Buffer) => (isUtf8(b) ? 0 : b.reduce((n, x) => n + (x >= 0x80 ? 1 : 0), 0));

/** The names §3 shows, as sent: `Data:` reads as Date to a tolerant reader, but is a deviation. */
function headerNames(headBytes: Buffer): string[] {
  return headBytes.toString('latin1').split(/\r?\n/).slice(1).map((l) => l.split(':')[0]!.trim()).filter((n) => n !== '');
}

const SPEC_HEADERS = ['Date', 'OS', 'Last-Modified', 'Content-Length', 'Content-Type'];

/** §3: GET and its answer, byte for byte. */
export const GET_CASES: CheckCase[] = [
  {
    id: '3.1', section: '3', description: 'GET answers 200 with Content-Length and exactly that many body bytes',
    async run(ctx) {
      const ex = await get(ctx, getRequest(servedRfc(ctx)));
      const { head } = served(ex);
      if (ex.headBytes !== undefined && ex.raw.length - ex.headBytes.length !== head.contentLength) {
        ctx.warn({ message: `${ex.raw.length - ex.headBytes.length} bytes after the head for a Content-Length of ${head.contentLength}`, received: escapeBytes(ex.raw), expected: '§3: exactly Content-Length bytes of the file' });
      }
    },
  },
  {
    id: '3.2', section: '3', description: 'the body is the file byte for byte',
    async run(ctx) {
      const file = fileOf(ctx);
      const ex = await get(ctx, getRequest(servedRfc(ctx)));
      const { body } = served(ex);
      const diff = firstDifference(file, body);
      if (diff !== null) throw getFailure(ex, `${body.length} bytes for a ${file.length}-byte file, ${diff}`, '§3: the file\'s bytes as stored, unchanged');
    },
  },
  keeps('3.3', 'CR LF line ends in the file arrive as CR LF', (f) => (f.includes('\r\n') ? 'CR LF' : null), (b) => count(b, Buffer.from('\r\n'))),
  keeps('3.4', 'form feeds in the file arrive unchanged', (f) => (f.includes(12) ? 'form feeds' : null), (b) => count(b, Buffer.from([12]))),
  keeps('3.5', 'non-UTF-8 bytes in the file arrive unchanged', (f) => (isUtf8(f) ? null : 'bytes of non-UTF-8 text'), nonUtf8Bytes),
  {
    id: '3.6', section: '3', description: 'the head has Date, OS, Last-Modified, Content-Length and Content-Type',
    async run(ctx) {
      const ex = await get(ctx, getRequest(servedRfc(ctx)));
      const { head } = served(ex);
      const missing = (['date', 'os', 'lastModified', 'contentType'] as const).filter((f) => head[f] === undefined);
      if (missing.length > 0) throw getFailure(ex, `no ${missing.join(', ')} header`, `§3: ${SPEC_HEADERS.join(', ')}`);
      const names = headerNames(ex.headBytes ?? Buffer.alloc(0));
      const odd = SPEC_HEADERS.filter((n) => !names.includes(n));
      if (odd.length > 0) ctx.warn({ message: `header names differ from §3: sent ${names.join(', ')}`, received: escapeBytes(ex.headBytes ?? ex.raw), expected: `§3: ${SPEC_HEADERS.join(', ')}` });
    },
  },
  {
    id: '3.7', section: '3', description: 'Date and Last-Modified are HTTP dates (IMF-fixdate, GMT)',
    async run(ctx) {
      const ex = await get(ctx, getRequest(servedRfc(ctx)));
      const { head } = served(ex);
      const bad = ([['Date', head.date], ['Last-Modified', head.lastModified]] as const).filter(([, v]) => v === undefined || !IMF_FIXDATE.test(v));
      if (bad.length > 0) ctx.warn({ message: bad.map(([n, v]) => `${n}: ${JSON.stringify(v ?? null)}`).join(', '), received: escapeBytes(ex.headBytes ?? ex.raw), expected: '§3: RFC 7231 IMF-fixdate, e.g. "Wed, 12 Feb 2009 15:12:05 GMT"' });
      const date = head.date === undefined ? NaN : Date.parse(head.date);
      if (Number.isFinite(date) && Math.abs(date - Date.now()) > 24 * 3600_000) ctx.warn({ message: `Date is ${head.date}, more than a day from this machine's clock`, expected: '§3: the date of the answer' });
    },
  },
  {
    id: '3.8', section: '3', description: 'Content-Type is text/plain',
    async run(ctx) {
      const ex = await get(ctx, getRequest(servedRfc(ctx)));
      const { head } = served(ex);
      if (head.contentType !== 'text/plain') ctx.warn({ message: `Content-Type: ${JSON.stringify(head.contentType ?? null)}`, received: escapeBytes(ex.headBytes ?? ex.raw), expected: '§3: Content-Type: text/plain' });
    },
  },
  {
    id: '3.9', section: '3', description: 'the uploader closes the connection after the body',
    async run(ctx) {
      const ex = await get(ctx, getRequest(servedRfc(ctx)));
      served(ex);
      if (!ex.closed) {
        await ex.conn.waitFor((_r, closed) => closed, ctx.deadline);
        if (!ex.conn.closed) throw getFailure(ex, `still open ${ctx.timeoutMs} ms after the request, body complete`, '§3: the uploader closes the connection after the body');
      }
    },
  },
  {
    id: '3.10', section: '3', strict: true, description: 'the head is exactly as §3 shows (names, order, CR LF, empty line)',
    async run(ctx) {
      const ex = await get(ctx, getRequest(servedRfc(ctx)));
      requireExactHead(ex, served(ex).head);
    },
  },
];

/** Compares the head bytes with what encodeGetResponseHead makes of the same fields. */
export function requireExactHead(ex: GetExchange, head: NonNullable<GetExchange['head']>): void {
  const exact = Buffer.from(encodeGetResponseHead(head), 'latin1');
  const got = ex.headBytes ?? ex.raw;
  const diff = firstDifference(exact, got);
  if (diff !== null) throw new CaseFailure({ message: `head bytes differ from §3 ${diff}`, sent: escapeBytes(ex.sentBytes), received: escapeBytes(got), expected: escapeBytes(exact) });
  for (const [n, v] of [['Date', head.date], ['Last-Modified', head.lastModified]] as const) {
    if (v !== undefined && !IMF_FIXDATE.test(v)) throw new CaseFailure({ message: `${n} is not an IMF-fixdate: ${JSON.stringify(v)}`, received: escapeBytes(got), expected: '§3: e.g. "Wed, 12 Feb 2009 15:12:05 GMT"' });
  }
}
