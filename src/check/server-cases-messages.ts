import { encodeAdd, encodeLookup } from '../protocol/index.js';
import {
  exchange, expectStatus, failure, holders, listAll, noteDeviation, recordText, registered, requireExact, sameRecord,
} from './server-kit.js';
import { CaseSkipped, type CheckCase } from './types.js';

/** §2: every request and answer form between a peer and the index server. */
export const MESSAGE_CASES: CheckCase[] = [
  {
    id: '2.1', section: '2', description: 'LIST on an empty index answers 200 with no records',
    async run(ctx) {
      const ex = await listAll(ctx, await ctx.open());
      const r = expectStatus(ex, 0, 200, '§2: LIST answers 200 with every record of every active peer (possibly none)');
      if (r.records.length > 0) throw new CaseSkipped(`the index is not empty (${r.records.length} record${r.records.length === 1 ? '' : 's'} of other peers)`);
      noteDeviation(ctx, ex);
    },
  },
  {
    id: '2.2', section: '2', description: 'ADD answers 200 and echoes the one record it stored',
    async run(ctx) {
      noteDeviation(ctx, (await registered(ctx, ctx.freshRfc(), 'A Proferred Official ICP')).ex);
    },
  },
  {
    id: '2.3', section: '2', description: 'ADD with an empty Title is stored and echoed',
    async run(ctx) {
      noteDeviation(ctx, (await registered(ctx, ctx.freshRfc(), '')).ex);
    },
  },
  {
    id: '2.4', section: '2', description: 'ADD of the same RFC twice answers 200 twice and keeps one record',
    async run(ctx) {
      const rfc = ctx.freshRfc();
      const peer = ctx.freshPeer();
      const { conn } = await registered(ctx, rfc, 'Twice', peer);
      const again = await exchange(ctx, conn, encodeAdd(rfc, 'Twice', peer), ['ADD']);
      expectStatus(again, 0, 200, '§2: adding the same (RFC, peer) twice keeps one record and answers 200 again');
      noteDeviation(ctx, again);
      const { ex, records } = await holders(ctx, conn, rfc);
      if (records.length !== 1) throw failure(ex, `LOOKUP after the second ADD lists ${records.length} records`, 'one record (§2: the same (RFC, peer) twice keeps one record)');
    },
  },
  {
    id: '2.5', section: '2', description: 'LOOKUP answers 200 with the record, whatever its Title says',
    async run(ctx) {
      const { conn, record } = await registered(ctx, ctx.freshRfc(), 'Looked Up');
      const ex = await exchange(ctx, conn, encodeLookup(record.rfc, 'Some Other Title', ctx.freshPeer()), ['LOOKUP']);
      const r = expectStatus(ex, 0, 200, "§2: LOOKUP answers 200 with one line per peer; its Title is informational");
      if (r.records.length !== 1 || !sameRecord(r.records[0]!, record)) throw failure(ex, `listed ${r.records.map(recordText).join(' | ') || 'no record'}`, `exactly ${recordText(record)} (§2)`);
      noteDeviation(ctx, ex);
    },
  },
  {
    id: '2.6', section: '2', description: 'LOOKUP of an RFC no peer has answers 404 with no records',
    async run(ctx) {
      const ex = await exchange(ctx, await ctx.open(), encodeLookup(ctx.freshRfc(), 'Absent', ctx.freshPeer()), ['LOOKUP']);
      const r = expectStatus(ex, 0, 404, '§2: LOOKUP answers 404 with no records when no active peer has the RFC');
      if (r.records.length > 0) throw failure(ex, `the 404 carries ${r.records.length} records`, '§2: errors carry no records');
      noteDeviation(ctx, ex);
    },
  },
  {
    id: '2.7', section: '2', description: 'LOOKUP lists one line per peer that has the RFC',
    async run(ctx) {
      const rfc = ctx.freshRfc();
      const a = await registered(ctx, rfc, 'Two Holders');
      const b = await registered(ctx, rfc, 'Two Holders');
      const { ex, records } = await holders(ctx, a.conn, rfc);
      const missing = [a.record, b.record].filter((want) => !records.some((r) => sameRecord(r, want)));
      if (missing.length > 0 || records.length !== 2) throw failure(ex, `listed ${records.map(recordText).join(' | ') || 'nothing'}`, `both ${recordText(a.record)} and ${recordText(b.record)} (§2)`);
    },
  },
  {
    id: '2.8', section: '2', description: 'LIST includes every record of every active peer',
    async run(ctx) {
      const a = await registered(ctx, ctx.freshRfc(), 'Listed One');
      const b = await registered(ctx, ctx.freshRfc(), 'Listed Two');
      const ex = await listAll(ctx, a.conn);
      const r = expectStatus(ex, 0, 200, '§2: LIST answers 200 with every record of every active peer');
      const missing = [a.record, b.record].filter((want) => !r.records.some((got) => sameRecord(got, want)));
      if (missing.length > 0) throw failure(ex, `LIST lacks ${missing.map(recordText).join(' | ')}`, 'every record of every active peer (§2)');
      noteDeviation(ctx, ex);
    },
  },
  {
    id: '2.9', section: '2', strict: true, description: 'ADD answer bytes are exactly status line, empty line, record, empty line',
    async run(ctx) {
      requireExact((await registered(ctx, ctx.freshRfc(), 'Exact Bytes')).ex);
    },
  },
  {
    id: '2.10', section: '2', strict: true, description: 'LOOKUP answer bytes are exactly as §2 shows',
    async run(ctx) {
      const { conn, record } = await registered(ctx, ctx.freshRfc(), 'Exact Lookup');
      const ex = await exchange(ctx, conn, encodeLookup(record.rfc, record.title, ctx.freshPeer()), ['LOOKUP']);
      expectStatus(ex, 0, 200, '§2');
      requireExact(ex);
    },
  },
  {
    id: '2.11', section: '2', strict: true, description: 'LIST answer bytes are exactly as §2 shows',
    async run(ctx) {
      const { conn } = await registered(ctx, ctx.freshRfc(), 'Exact List');
      const ex = await listAll(ctx, conn);
      expectStatus(ex, 0, 200, '§2');
      requireExact(ex);
    },
  },
];
