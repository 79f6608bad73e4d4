import { encodeAdd, encodeList, encodeLookup, type IndexMethod, type RfcRecord } from '../protocol/index.js';
import {
  exchange, expectStatus, failure, holders, noteDeviation, recordText, registered, requireExact, sameRecord, type Exchange,
} from './server-kit.js';
import { ANSWER_IDLE_MS, readAnswers } from './index-answers.js';
import type { CaseContext, CheckCase } from './types.js';

/** Sends a dialect request that ADDs `record` and expects it echoed (200). */
async function addsIn(ctx: CaseContext, request: string | Buffer, record: RfcRecord, why: string, methods: IndexMethod[] = ['ADD']): Promise<Exchange> {
  const ex = await exchange(ctx, await ctx.open(), request, methods);
  const r = expectStatus(ex, 0, 200, `§6: ${why}`);
  if (r.records.length !== 1 || !sameRecord(r.records[0]!, record)) throw failure(ex, `echoed ${r.records.map(recordText).join(' | ') || 'no record'}`, `${recordText(record)} (§6: ${why})`);
  noteDeviation(ctx, ex);
  return ex;
}

const fresh = (ctx: CaseContext, title = 'Robust') => ({ rfc: ctx.freshRfc(), title, ...ctx.freshPeer() });
const lfOnly = (s: string) => s.replace(/\r\n/g, '\n');
const noEmptyLine = (s: string) => s.slice(0, -2);

/** §6: what a server accepts from the implementations in the wild. */
export const ROBUST_CASES: CheckCase[] = [
  {
    id: '6.1', section: '6', description: 'a request with LF-only line ends is answered',
    async run(ctx) {
      const r = fresh(ctx);
      await addsIn(ctx, lfOnly(encodeAdd(r.rfc, r.title, r)), r, 'lines ending in LF alone are accepted');
    },
  },
  {
    id: '6.2.1', section: '6', description: 'ADD without the empty line is answered once its headers are in',
    async run(ctx) {
      const r = fresh(ctx);
      await addsIn(ctx, noEmptyLine(encodeAdd(r.rfc, r.title, r)), r, 'a request is complete as soon as every header its method defines has arrived');
    },
  },
  {
    id: '6.2.2', section: '6', description: 'LIST without the empty line is answered',
    async run(ctx) {
      // Our own record first: this case is about framing, not about LIST of an empty index (2.1).
      const { conn, record } = await registered(ctx, ctx.freshRfc(), 'Listed');
      const ex = await exchange(ctx, conn, noEmptyLine(encodeList(ctx.freshPeer())), ['LIST']);
      const r = expectStatus(ex, 0, 200, '§6: LIST is complete once Host and Port have arrived');
      if (!r.records.some((g) => sameRecord(g, record))) throw failure(ex, `the LIST answer lacks ${recordText(record)}`, '§2: every record of every active peer');
    },
  },
  {
    id: '6.2.3', section: '6', description: 'LF-only LOOKUP without Title or empty line is answered after a short idle time',
    async run(ctx) {
      const p = ctx.freshPeer();
      const ex = await exchange(ctx, await ctx.open(), `LOOKUP RFC ${ctx.freshRfc()} P2P-CI/1.0\nHost: ${p.host}\nPort: ${p.port}\n`, ['LOOKUP']);
      expectStatus(ex, 0, 404, '§6: a partial request that receives no byte for a short idle time is processed with what it has');
    },
  },
  {
    id: '6.2.4', section: '6', description: 'a request whose last line has no line end is answered after a short idle time',
    async run(ctx) {
      const r = fresh(ctx);
      await addsIn(ctx, encodeAdd(r.rfc, r.title, r).slice(0, -4), r, 'a partial request that receives no byte for a short idle time is processed');
    },
  },
  {
    id: '6.3', section: '6', description: 'the header Post: is read as Port:',
    async run(ctx) {
      const r = fresh(ctx);
      await addsIn(ctx, `ADD RFC ${r.rfc} P2P-CI/1.0\nHost: ${r.host}\nPost: ${r.port}\nTitle: ${r.title}\n`, r, 'a header named Post is a known misspelling of Port');
    },
  },
  {
    id: '6.4', section: '6', description: 'method and header names in any letter case',
    async run(ctx) {
      const r = fresh(ctx);
      await addsIn(ctx, `add RFC ${r.rfc} P2P-CI/1.0\r\nHOST: ${r.host}\r\npOrT: ${r.port}\r\ntitle: ${r.title}\r\n\r\n`, r, 'method and header names in any letter case');
    },
  },
  {
    id: '6.5', section: '6', description: 'runs of spaces or tabs between words, spaces around values',
    async run(ctx) {
      const r = fresh(ctx, 'Spaced Out Title');
      await addsIn(ctx, `ADD  RFC\t${r.rfc}   P2P-CI/1.0\r\nHost:   ${r.host}  \r\nPort:\t${r.port}\t\r\nTitle:  ${r.title}  \r\n\r\n`, r, 'runs of spaces or tabs between words; leading or trailing spaces on values');
    },
  },
  {
    id: '6.6', section: '6', description: 'unknown headers are ignored',
    async run(ctx) {
      const r = fresh(ctx);
      await addsIn(ctx, `ADD RFC ${r.rfc} P2P-CI/1.0\r\nX-Client: check\r\nHost: ${r.host}\r\nPort: ${r.port}\r\nUser-Agent: p2pci-check\r\nTitle: ${r.title}\r\n\r\n`, r, 'unknown headers (ignored)');
    },
  },
  {
    id: '6.7', section: '6', description: 'a request split byte by byte is answered once',
    async run(ctx) {
      const r = fresh(ctx);
      const conn = await ctx.open();
      const bytes = Buffer.from(encodeAdd(r.rfc, r.title, r), 'latin1');
      for (const b of bytes) await conn.send(Buffer.from([b]));
      const ex = { ...(await readAnswers(conn, ['ADD'], ctx.deadline)), conn, sentBytes: bytes };
      const got = expectStatus(ex, 0, 200, '§6: framing is by lines, never by read() calls');
      if (!sameRecord(got.records[0] ?? r, r) || got.records.length !== 1) throw failure(ex, `echoed ${got.records.map(recordText).join(' | ')}`, recordText(r));
      // A second answer (one per read() call) would follow at once; a moment of silence says there is none.
      await conn.quiet(ANSWER_IDLE_MS, ctx.deadline);
      if (conn.receivedLength > ex.raw.length) {
        throw failure({ ...ex, raw: Buffer.from(conn.received) }, 'more bytes after the answer', 'one answer (§6: framing is by lines, never by read() calls)');
      }
    },
  },
  {
    id: '6.8', section: '6', description: 'several requests in one segment are answered in order',
    async run(ctx) {
      const r = fresh(ctx);
      const ex = await exchange(ctx, await ctx.open(), encodeAdd(r.rfc, r.title, r) + encodeLookup(r.rfc, r.title, r) + encodeList(r), ['ADD', 'LOOKUP', 'LIST']);
      const spec = '§6: several requests in one TCP segment, each answered in order';
      const add = expectStatus(ex, 0, 200, spec);
      const look = expectStatus(ex, 1, 200, spec);
      const list = expectStatus(ex, 2, 200, spec);
      for (const [what, got] of [['ADD', add], ['LOOKUP', look], ['LIST', list]] as const) {
        if (!got.records.some((g) => sameRecord(g, r))) throw failure(ex, `the ${what} answer lacks ${recordText(r)}`, spec);
      }
      noteDeviation(ctx, ex);
    },
  },
  {
    id: '6.9', section: '6', description: 'garbage (binary bytes, a junk line) then a valid request: the request is answered',
    async run(ctx) {
      const { conn, record } = await registered(ctx, ctx.freshRfc(), 'After Garbage');
      const garbage = Buffer.concat([Buffer.from([0x00, 0xff, 0xfe, 0x07, 0x80]), Buffer.from(' junk line\r\n', 'latin1')]);
      const request = Buffer.concat([garbage, Buffer.from(encodeLookup(record.rfc, record.title, ctx.freshPeer()), 'latin1')]);
      const start = conn.receivedLength;
      await conn.send(request);
      const ex = { ...(await readAnswers(conn, ['LOOKUP', 'LOOKUP'], ctx.deadline, start)), conn, sentBytes: request };
      const last = ex.responses[ex.responses.length - 1];
      if (last === undefined || last.status !== 200 || !last.records.some((g) => sameRecord(g, record))) {
        throw failure(ex, last === undefined ? 'no answer' : `the last answer is ${last.status} with ${last.records.length} records`, `a 400 (or nothing) for the garbage, then 200 listing ${recordText(record)} (§6: bad input gets an error answer, never a crash or hang)`);
      }
      if (ex.responses.length === 2 && ex.responses[0]!.status !== 400) throw failure(ex, `the garbage was answered ${ex.responses[0]!.status}`, '400 Bad Request (§4)');
    },
  },
  {
    id: '6.10', section: '6', description: 'a 100 KB line gets 400 or a clean close, not a hang',
    async run(ctx) {
      const p = ctx.freshPeer();
      const conn = await ctx.open();
      const ex = await exchange(ctx, conn, `ADD RFC ${ctx.freshRfc()} P2P-CI/1.0\r\nHost: ${p.host}\r\nPort: ${p.port}\r\nTitle: ${'x'.repeat(100_000)}\r\n\r\n`, ['ADD']);
      const r = ex.responses[0];
      if (r === undefined && !ex.closed) throw failure(ex, 'neither an answer nor a close', '400 Bad Request or a clean close (§4: a line over the size limits; §6: never a hang)');
      if (r !== undefined && r.status !== 400) throw failure(ex, `answered ${r.status} ${r.phrase}`, '400 Bad Request (§4: a line over the size limits)');
      const { ex: after } = await holders(ctx, await ctx.open(), ctx.freshRfc());
      expectStatus(after, 0, 404, '§6: the server goes on serving other connections');
    },
  },
  {
    id: '6.11', section: '6', description: 'a stray header line or empty line after a complete request is skipped',
    async run(ctx) {
      const r = fresh(ctx);
      const request = noEmptyLine(encodeAdd(r.rfc, r.title, r)) + 'X-Stray: left over\r\n\r\n' + encodeLookup(r.rfc, '', r);
      const ex = await exchange(ctx, await ctx.open(), request, ['ADD', 'LOOKUP']);
      const spec = '§6: a header line or empty line that arrives where a request line is expected belongs to the previous request and is skipped';
      expectStatus(ex, 0, 200, spec);
      const look = expectStatus(ex, 1, 200, spec);
      if (!look.records.some((g) => sameRecord(g, r))) throw failure(ex, `the LOOKUP answer lacks ${recordText(r)}`, spec);
    },
  },
  {
    id: '6.12', section: '6', description: 'a silent partial request on one connection does not delay another',
    async run(ctx) {
      const stalled = await ctx.open();
      await stalled.send(`ADD RFC ${ctx.freshRfc()} P2P-CI/1.0\r\nHo`);
      const { ex } = await holders(ctx, await ctx.open(), ctx.freshRfc());
      expectStatus(ex, 0, 404, '§1: one slow or silent peer never delays another');
    },
  },
  {
    id: '6.13', section: '6', strict: true, description: 'the answer to an LF-only request is still CR LF',
    async run(ctx) {
      const r = fresh(ctx);
      requireExact(await addsIn(ctx, lfOnly(encodeAdd(r.rfc, r.title, r)), r, 'send exactly what sections 2-3 show'));
    },
  },
];
