import { encodeAdd, encodeIndexResponse, encodeLookup, type RfcRecord } from '../../src/protocol/index.js';

/**
 * The bench's index contents. Join peers share a universe of 10,000 RFC numbers, like the
 * real series: peer i holds 1,000 consecutive numbers starting at 10·i (mod 10,000), so every
 * RFC has the same number of holders and every peer names an RFC by the same title, as real
 * peers reading the title from the file do. Probe RFCs live outside that universe with exactly
 * one holder each, so a LOOKUP answer has the same size whatever the index size.
 */
export const UNIVERSE = 10_000;
export const PROBE_BASE = 100_001;
export const PROBE_COUNT = 1_000;
export const PROBE_PEER = { host: 'probe.bench.example', port: 7001 };
/** The peer whose departure is timed; its numbers are its own. */
export const LEAVER_BASE = 300_001;

export function titleOf(rfc: number): string {
  // About the length of a real RFC title (mean ≈ 50 characters).
  return `Synthetic Benchmark Title for Request for Comments ${rfc}`;
}

export function joinPeer(i: number): { host: string; port: number } {
  return { host: `peer${i}.bench.example`, port: 10_000 + (i % 50_000) };
}

export type RfcOf = (peer: number, k: number) => number;

export const joinRfc: RfcOf = (peer, k) => ((peer * 10 + k) % UNIVERSE) + 1;

/** The worst case for memory: every record its own RFC number and title (1,000,001 up to 2,000,000). */
export const distinctRfc: RfcOf = (peer, k) => 1_000_001 + peer * 1_000 + k;

/** One join peer: its ADDs as one pipelined write, and the exact bytes of every answer. */
export function joinTraffic(peer: number, adds: number, rfcOf: RfcOf): { requests: Buffer; answers: Buffer } {
  const from = joinPeer(peer);
  let requests = '';
  let answers = '';
  for (let k = 0; k < adds; k++) {
    const rfc = rfcOf(peer, k);
    const title = titleOf(rfc);
    requests += encodeAdd(rfc, title, from);
    answers += encodeIndexResponse(200, [{ rfc, title, host: from.host, port: from.port }]);
  }
  return { requests: Buffer.from(requests, 'latin1'), answers: Buffer.from(answers, 'latin1') };
}

export function addRequests(rfcs: readonly number[], from: { host: string; port: number }): Buffer {
  let s = '';
  for (const rfc of rfcs) s += encodeAdd(rfc, titleOf(rfc), from);
  return Buffer.from(s, 'latin1');
}

export function probeRfcs(count = PROBE_COUNT): number[] {
  return Array.from({ length: count }, (_, i) => PROBE_BASE + i);
}

export function lookupRequest(rfc: number): Buffer {
  return Buffer.from(encodeLookup(rfc, titleOf(rfc), { host: 'client.bench.example', port: 7002 }), 'latin1');
}

export function probeAnswer(rfc: number): Buffer {
  const record: RfcRecord = { rfc, title: titleOf(rfc), host: PROBE_PEER.host, port: PROBE_PEER.port };
  return Buffer.from(encodeIndexResponse(200, [record]), 'latin1');
}
