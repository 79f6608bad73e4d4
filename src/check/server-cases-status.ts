import { encodeLookup } from '../protocol/index.js';
import { exchange, expectStatus, failure, holders, noteDeviation, requireExact, type Exchange } from './server-kit.js';
import type { CaseContext, CheckCase } from './types.js';

/** Sends one bad request on a fresh connection and expects `status` with no records. */
async function refused(ctx: CaseContext, request: string, status: 400 | 505, why: string): Promise<Exchange> {
  const ex = await exchange(ctx, await ctx.open(), request, ['LOOKUP']);
  const r = expectStatus(ex, 0, status, `§4: ${why}`);
  if (r.records.length > 0) throw failure(ex, `the error carries ${r.records.length} records`, '§2: errors carry no records');
  noteDeviation(ctx, ex);
  return ex;
}

const badRequest = (id: string, description: string, request: (ctx: CaseContext) => string, why: string): CheckCase => ({
  id, section: '4', description,
  async run(ctx) {
    await refused(ctx, request(ctx), 400, why);
  },
});

const head = (ctx: CaseContext, title = 'Bad') => {
  const p = ctx.freshPeer();
  return `Host: ${p.host}\r\nPort: ${p.port}\r\nTitle: ${title}\r\n\r\n`;
};

/** §4: the error codes and their framing. */
export const STATUS_CASES: CheckCase[] = [
  badRequest('4.1', 'a line that is no request answers 400', () => 'HELLO THERE\r\n\r\n', 'the message cannot be parsed'),
  badRequest('4.2', 'an unknown method answers 400', (ctx) => `DELETE RFC ${ctx.freshRfc()} P2P-CI/1.0\r\n${head(ctx)}`, 'the message cannot be parsed'),
  badRequest('4.3', 'a non-numeric RFC number answers 400', (ctx) => `LOOKUP RFC 12ab P2P-CI/1.0\r\n${head(ctx)}`, 'a number is invalid'),
  badRequest('4.4', 'an RFC number of 10 digits answers 400', (ctx) => `LOOKUP RFC 1234567890 P2P-CI/1.0\r\n${head(ctx)}`, 'a number is invalid (§2: at most 9 digits)'),
  badRequest('4.5', 'a negative RFC number answers 400', (ctx) => `LOOKUP RFC -5 P2P-CI/1.0\r\n${head(ctx)}`, 'a number is invalid (§2: no sign)'),
  {
    id: '4.6', section: '4', description: 'ADD with Port 0 or 65536 answers 400 and stores nothing',
    async run(ctx) {
      for (const port of [0, 65536]) {
        const rfc = ctx.freshRfc();
        const ex = await refused(ctx, `ADD RFC ${rfc} P2P-CI/1.0\r\nHost: ${ctx.freshPeer().host}\r\nPort: ${port}\r\nTitle: Bad Port\r\n\r\n`, 400, 'a port is invalid (1-65535)');
        const { records, ex: look } = await holders(ctx, ex.conn, rfc);
        if (records.length > 0) throw failure(look, `the refused ADD was stored (port ${port})`, 'nothing stored by a refused ADD (§2: errors carry no records)');
      }
    },
  },
  badRequest('4.7', 'ADD without Host answers 400', (ctx) => `ADD RFC ${ctx.freshRfc()} P2P-CI/1.0\r\nPort: ${ctx.freshPeer().port}\r\nTitle: No Host\r\n\r\n`, 'a required header is missing'),
  badRequest('4.8', 'ADD without Port answers 400', (ctx) => `ADD RFC ${ctx.freshRfc()} P2P-CI/1.0\r\nHost: ${ctx.freshPeer().host}\r\nTitle: No Port\r\n\r\n`, 'a required header is missing'),
  {
    id: '4.9', section: '4', description: 'version P2P-CI/2.0 answers 505',
    async run(ctx) {
      await refused(ctx, `LOOKUP RFC ${ctx.freshRfc()} P2P-CI/2.0\r\n${head(ctx)}`, 505, 'the version word is not P2P-CI/1.0');
    },
  },
  {
    id: '4.10', section: '4', description: 'after an error the same connection goes on serving',
    async run(ctx) {
      const ex = await refused(ctx, `LOOKUP RFC xyz P2P-CI/1.0\r\n${head(ctx)}`, 400, 'a number is invalid');
      const next = await exchange(ctx, ex.conn, encodeLookup(ctx.freshRfc(), 'After Error', ctx.freshPeer()), ['LOOKUP']);
      expectStatus(next, 0, 404, '§1: the connection stays open; §2: LOOKUP of an absent RFC answers 404');
    },
  },
  {
    id: '4.11', section: '4', strict: true, description: 'error answers are exactly status line, empty line, empty line, with the §4 phrases',
    async run(ctx) {
      requireExact(await refused(ctx, `LOOKUP RFC 12ab P2P-CI/1.0\r\n${head(ctx)}`, 400, 'a number is invalid'));
      requireExact(await refused(ctx, `LOOKUP RFC ${ctx.freshRfc()} P2P-CI/2.0\r\n${head(ctx)}`, 505, 'the version word is not P2P-CI/1.0'));
      const absent = await exchange(ctx, await ctx.open(), encodeLookup(ctx.freshRfc(), '', ctx.freshPeer()), ['LOOKUP']);
      expectStatus(absent, 0, 404, '§2');
      requireExact(absent);
    },
  },
];
