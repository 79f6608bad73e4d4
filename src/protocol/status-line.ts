import { isStatusCode, type StatusCode } from './status.js';
import { words } from './headers.js';

export interface StatusLine {
  status: StatusCode;
  phrase: string;
}

/** `P2P-CI/1.0 <code> <phrase>`; the version is any P2P-CI/x.y, in any case. */
export function parseStatusLine(line: string): StatusLine | null {
  const w = words(line);
  if (w.length < 2 || !/^p2p-ci\/\d+\.\d+$/i.test(w[0]!) || !/^\d{3}$/.test(w[1]!)) return null;
  const code = Number(w[1]);
  if (!isStatusCode(code)) return null;
  return { status: code, phrase: w.slice(2).join(' ') };
}
