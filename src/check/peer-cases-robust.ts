import { escapeBytes } from './escape.js';
import { get, getFailure, getRequest, served, servedRfc, type GetExchange } from './peer-kit.js';
import { requireExactHead } from './peer-cases-get.js';
import type { CaseContext, CheckCase } from './types.js';

/** An error answer per §3: a status line, Date and OS, an empty line, no body. */
function refused(ex: GetExchange, statuses: readonly number[], spec: string): void {
  const expected = `${statuses.join(' or ')} with Date and OS and no body (${spec})`;
  if (ex.head === undefined) throw getFailure(ex, ex.problem ?? (ex.raw.length === 0 ? (ex.closed ? 'closed without an answer' : 'no answer') : 'no answer head'), expected);
  if (!statuses.includes(ex.head.status)) throw getFailure(ex, `answered ${ex.head.status} ${ex.head.phrase}`, expected);
  if (ex.head.date === undefined || ex.head.os === undefined) throw getFailure(ex, `no ${ex.head.date === undefined ? 'Date' : 'OS'} header`, expected);
  if (ex.body !== undefined && ex.body.length > 0) throw getFailure(ex, `${ex.body.length} bytes after the head`, expected);
}

/** Not a 200: an error answer or a clean close both keep the file system out of reach. */
function neverServed(ex: GetExchange, spec: string): void {
  if (ex.head?.status === 200) throw getFailure(ex, `answered 200 with ${ex.body?.length ?? 0} bytes`, `400 or 404, never a file (${spec})`);
  if (ex.head === undefined && !ex.closed) throw getFailure(ex, 'neither an answer nor a close', `400 or 404, or a clean close (${spec})`);
}

const absentRfc = (ctx: CaseContext) => {
  const n = ctx.freshRfc();
  return n === ctx.rfc ? n + 1 : n;
};

async function stillServes(ctx: CaseContext): Promise<void> {
  served(await get(ctx, getRequest(servedRfc(ctx))), '§6: bad input costs only itself; the next GET is served');
}

/** §4 for an uploader: 404, 505, 400 and their framing. */
export const PEER_STATUS_CASES: CheckCase[] = [
  {
    id: '4.1', section: '4', description: 'GET of an RFC the peer does not have answers 404',
    run: async (ctx) => refused(await get(ctx, getRequest(absentRfc(ctx))), [404], '§4: GET of an RFC the uploader does not have'),
  },
  {
    id: '4.2', section: '4', description: 'GET with version P2P-CI/2.0 answers 505',
    run: async (ctx) => refused(await get(ctx, getRequest(servedRfc(ctx)).replace('P2P-CI/1.0', 'P2P-CI/2.0')), [505], '§4: the version word is not P2P-CI/1.0'),
  },
  {
    id: '4.3', section: '4', description: 'GET with a non-numeric RFC number answers 400',
    run: async (ctx) => refused(await get(ctx, getRequest('12ab')), [400], '§4: a number is invalid'),
  },
  {
    id: '4.4', section: '4', description: 'a request that is no GET answers 400',
    run: async (ctx) => refused(await get(ctx, 'HELLO THERE\r\n\r\n'), [400], '§4: the message cannot be parsed'),
  },
  {
    id: '4.5', section: '4', strict: true, description: 'error answers are exactly status line, Date, OS, empty line',
    async run(ctx) {
      for (const request of [getRequest(absentRfc(ctx)), getRequest('12ab'), getRequest(servedRfc(ctx)).replace('P2P-CI/1.0', 'P2P-CI/2.0')]) {
        const ex = await get(ctx, request);
        refused(ex, [400, 404, 505], '§3');
        requireExactHead(ex, ex.head!);
      }
    },
  },
];

/** §6 for an uploader: dialect requests, bad and hostile input, concurrency. */
export const PEER_ROBUST_CASES: CheckCase[] = [
  {
    id: '6.1', section: '6', description: 'an LF-only GET without the empty line is served',
    run: async (ctx) => void served(await get(ctx, getRequest(servedRfc(ctx)).replace(/\r\n/g, '\n').slice(0, -1)), '§6: LF alone; a request complete once its headers are in (or after a short idle time)'),
  },
  {
    id: '6.2', section: '6', description: 'method and header names in any case, runs of spaces',
    run: async (ctx) => void served(await get(ctx, `get  RFC\t${servedRfc(ctx)}  P2P-CI/1.0\r\nhost:  check.invalid \r\nos:\tLinux\r\nX-Unknown: 1\r\n\r\n`), '§6: names in any letter case; runs of spaces or tabs; unknown headers ignored'),
  },
  {
    id: '6.3', section: '6', description: 'a GET split byte by byte is served',
    run: async (ctx) => void served(await get(ctx, getRequest(servedRfc(ctx)), true), '§6: framing is by lines, never by read() calls'),
  },
  {
    id: '6.4', section: '6', description: 'path traversal attempts (GET RFC ../…) never serve a file',
    async run(ctx) {
      const rfc = servedRfc(ctx);
      for (const word of [`../rfc${rfc}.txt`, '../../../../etc/passwd', `${rfc}/../${rfc}`, `%2e%2e%2frfc${rfc}.txt`, `rfc${rfc}.txt`, `/${rfc}`]) {
        neverServed(await get(ctx, getRequest(word)), '§2: the RFC number is a decimal integer; §5: only rfc<number>.txt is shared');
      }
      await stillServes(ctx);
    },
  },
  {
    id: '6.5', section: '6', description: 'very large and odd numbers (20 digits, 1e9, 0x10, -1) never crash the uploader',
    async run(ctx) {
      for (const word of ['99999999999999999999', '1e9', '0x10', '-1', '+7', '1.5']) {
        neverServed(await get(ctx, getRequest(word)), '§2: no sign, at most 9 digits');
      }
      await stillServes(ctx);
    },
  },
  {
    id: '6.6', section: '6', description: 'a 100 KB line gets 400 or a clean close, not a hang',
    async run(ctx) {
      const ex = await get(ctx, `GET RFC ${servedRfc(ctx)} P2P-CI/1.0\r\nHost: ${'h'.repeat(100_000)}\r\nOS: x\r\n\r\n`);
      if (ex.head !== undefined && ex.head.status !== 400) throw getFailure(ex, `answered ${ex.head.status}`, '400 Bad Request or a clean close (§4: a line over the size limits)');
      if (ex.head === undefined && !ex.closed) throw getFailure(ex, 'neither an answer nor a close', '400 or a clean close (§6: never a hang)');
      await stillServes(ctx);
    },
  },
  {
    id: '6.7', section: '6', description: 'eight GETs at once all arrive whole and identical',
    async run(ctx) {
      const all = await Promise.all(Array.from({ length: 8 }, () => get(ctx, getRequest(servedRfc(ctx)))));
      const bodies = all.map((ex) => served(ex, '§1: a peer serves many downloads at once').body);
      const reference = bodies[0]!; // each against the others: the file itself is 3.2's business
      const bad = bodies.findIndex((b) => !b.equals(reference));
      if (bad !== -1) throw getFailure(all[bad]!, `download ${bad + 1} of 8 differs (${bodies[bad]!.length} bytes, expected ${reference.length}): ${escapeBytes(bodies[bad]!, 60)}`, 'every concurrent download the same bytes (§3: the file as stored)');
    },
  },
];
