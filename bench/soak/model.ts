import type { RfcRecord } from '../../src/protocol/index.js';

/** Host the long-lived peers register with; one-shot `get`s register as TRANSIENT_HOST. */
export const PEER_HOST = '127.0.0.1';
/** Another loopback address (reachable), so a one-shot's short-lived record is told apart. */
export const TRANSIENT_HOST = '127.0.0.2';

interface Expected {
  present: boolean;
  title: string;
  /** From when on the index must show this; Infinity while the change is under way. */
  settleAt: number;
}

/**
 * What LIST must show: every record of every live peer, each with the time from which it
 * must be exact. A change under way (a peer starting, leaving, reconnecting, a download
 * being registered) makes its records unsettled until its outcome is seen, plus the bound.
 */
export class ExpectedIndex {
  private readonly records = new Map<string, Expected>();
  /** Per peer port: its connection to the index is settled from then on. */
  private readonly peerSettle = new Map<number, number>();
  /** The whole index is settled from then on (Redis restarted). */
  storeSettleAt = 0;
  /** Records of one-shot `get`s may show until then. */
  transientUntil = 0;

  set(port: number, rfc: number, present: boolean, title: string, settleAt: number): void {
    this.records.set(`${rfc} ${port}`, { present, title, settleAt });
  }

  has(port: number, rfc: number): boolean {
    return this.records.get(`${rfc} ${port}`)?.present ?? false;
  }

  unsettlePeer(port: number, until: number): void {
    this.peerSettle.set(port, until);
  }

  peerSettledAt(port: number): number {
    return this.peerSettle.get(port) ?? 0;
  }

  /**
   * The differences between `listed` (a LIST answer whose request was sent at `sentAt`)
   * and the expected index, counting only records settled before the request was sent.
   */
  compare(listed: readonly RfcRecord[], sentAt: number): string[] {
    const counts = new Map<string, { n: number; title: string; host: string }>();
    const problems: string[] = [];
    for (const r of listed) {
      if (r.host === TRANSIENT_HOST) {
        if (sentAt > this.transientUntil) problems.push(`stale one-shot record RFC ${r.rfc} ${r.host}:${r.port}`);
        continue;
      }
      const key = `${r.rfc} ${r.port}`;
      const c = counts.get(key);
      if (c === undefined) counts.set(key, { n: 1, title: r.title, host: r.host });
      else c.n++;
    }
    const keys = new Set([...counts.keys(), ...this.records.keys()]);
    for (const key of keys) {
      const [rfc, port] = key.split(' ').map(Number) as [number, number];
      const e = this.records.get(key) ?? { present: false, title: '', settleAt: 0 };
      if (Math.max(e.settleAt, this.peerSettledAt(port), this.storeSettleAt) > sentAt) continue;
      const got = counts.get(key);
      const what = `RFC ${rfc} of peer ${PEER_HOST}:${port}`;
      if (got !== undefined && got.host !== PEER_HOST) problems.push(`${what} listed with host ${got.host}`);
      if (e.present && got === undefined) problems.push(`missing record: ${what}`);
      else if (!e.present && got !== undefined) problems.push(`stale record: ${what}`);
      else if (got !== undefined && got.n > 1) problems.push(`${got.n} copies of ${what}`);
      else if (got !== undefined && got.title !== e.title) problems.push(`${what} has title "${got.title}", expected "${e.title}"`);
    }
    return problems;
  }
}
