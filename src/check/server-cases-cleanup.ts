import { encodeAdd } from '../protocol/index.js';
import { exchange, expectStatus, failure, holders, recordText, registered, sameRecord, waitForHolders } from './server-kit.js';
import type { RawConn } from './raw-conn.js';
import type { CaseContext, CheckCase } from './types.js';
import type { RfcRecord } from '../protocol/index.js';

/** Registers a record, closes its connection with `close`, and waits for the record to go. */
async function cleanedUpAfter(ctx: CaseContext, close: (conn: RawConn) => void, how: string): Promise<void> {
  const { conn, record } = await registered(ctx, ctx.freshRfc(), 'Leaving Peer');
  const observer = await ctx.open();
  close(conn);
  const { ok, last } = await waitForHolders(ctx, observer, record.rfc, (rs) => !rs.some((r) => sameRecord(r, record)));
  if (!ok) throw failure(last, `${recordText(record)} is still listed after its connection was closed ${how}`, '§1: when a peer\'s connection closes, the server removes every record it added');
}

const lists = (records: RfcRecord[], want: RfcRecord) => records.some((r) => sameRecord(r, want));

/** §5 (and the "Leaving" rule of §1): records belong to their connection and go with it. */
export const CLEANUP_CASES: CheckCase[] = [
  {
    id: '5.1', section: '5', description: "a clean close (FIN) removes the peer's records",
    run: (ctx) => cleanedUpAfter(ctx, (c) => c.end(), 'cleanly (FIN)'),
  },
  {
    id: '5.2', section: '5', description: "a reset (RST) removes the peer's records",
    run: (ctx) => cleanedUpAfter(ctx, (c) => c.resetNow(), 'by reset (RST)'),
  },
  {
    id: '5.3', section: '5', description: 'two connections with the same Host/Port each keep their own records',
    async run(ctx) {
      const same = ctx.freshPeer();
      const shared = ctx.freshRfc();
      const first = await registered(ctx, shared, 'Twin', same);
      const own = { rfc: ctx.freshRfc(), title: 'Twin Only', host: same.host, port: same.port };
      expectStatus(await exchange(ctx, first.conn, encodeAdd(own.rfc, own.title, same), ['ADD']), 0, 200, '§2: ADD answers 200');
      const second = await registered(ctx, shared, 'Twin', same);
      const observer = await ctx.open();
      first.conn.end();
      const gone = await waitForHolders(ctx, observer, own.rfc, (rs) => !lists(rs, own));
      if (!gone.ok) throw failure(gone.last, `${recordText(own)} is still listed after its connection closed`, '§1: a closed connection\'s records are removed');
      const { ex, records } = await holders(ctx, observer, shared);
      if (!lists(records, second.record)) {
        throw failure(ex, `closing one connection also removed the record the other connection added (${records.length} left)`, '§5: a record belongs to the connection that added it; no connection can remove records in another peer\'s name');
      }
      second.conn.end();
      const last = await waitForHolders(ctx, observer, shared, (rs) => !lists(rs, second.record));
      if (!last.ok) throw failure(last.last, `${recordText(second.record)} is still listed after the second connection closed`, '§1: a closed connection\'s records are removed');
    },
  },
  {
    id: '5.4', section: '5', description: 'two peers on one host differ by port',
    async run(ctx) {
      const rfc = ctx.freshRfc();
      const a = ctx.freshPeer();
      const b = { host: a.host, port: a.port === 65535 ? a.port - 1 : a.port + 1 };
      const one = await registered(ctx, rfc, 'Same Host', a);
      const two = await registered(ctx, rfc, 'Same Host', b);
      const { ex, records } = await holders(ctx, one.conn, rfc);
      if (!lists(records, one.record) || !lists(records, two.record)) throw failure(ex, `listed ${records.map(recordText).join(' | ') || 'nothing'}`, '§5: two peers on one machine differ by port; both records are listed');
    },
  },
];
