import { PROTOCOL_VERSION, formatRecordLine, type IndexResponse } from '../protocol/index.js';
import type { DownloadResult, PeerFailure } from '../peer/downloader.js';

/**
 * The server's answer in the protocol's own format (status line, empty line, record lines),
 * as the course spec asks Look Up and List All to show it; `--json` gets an object instead.
 */
export function formatIndexResponse(res: IndexResponse): string {
  let out = `${PROTOCOL_VERSION} ${res.status} ${res.phrase}\n\n`;
  for (const r of res.records) out += formatRecordLine(r) + '\n';
  return out;
}

export function indexResponseJson(res: IndexResponse): object {
  return { status: res.status, phrase: res.phrase, records: res.records };
}

function peerLabel(p: { host: string; port: number }): string {
  return `${p.host}:${p.port}`;
}

export function formatFailures(failures: readonly PeerFailure[]): string {
  return failures.map((f) => `${peerLabel(f.peer)} ${f.reason}`).join('; ');
}

export function formatDownload(d: DownloadResult): string {
  const tried = d.failures.length === 0 ? '' : ` (after ${formatFailures(d.failures)})`;
  return `downloaded RFC ${d.rfc} (${d.bytes} bytes) from ${peerLabel(d.from)} into ${d.path} in ${d.ms.toFixed(0)} ms${tried}`;
}

export function downloadJson(d: DownloadResult): object {
  return { rfc: d.rfc, path: d.path, bytes: d.bytes, from: d.from, ms: Math.round(d.ms), failures: d.failures, dialect: d.dialect };
}
