import { isStatusCode, STATUS_PHRASES, type StatusCode } from './status.js';
import { words } from './headers.js';
import { statusVersionDialect } from './dialects/recognise.js';

export interface StatusLine {
  status: StatusCode;
  phrase: string;
}

/**
 * `P2P-CI/1.0 <code> <phrase>`; the version is any P2P-CI/x.y, in any case. Some servers
 * leave the version word out of their error lines (`400 Bad Request`, dialect C): that form is
 * a status line only when its phrase is exactly the spec's, so a record line that begins with
 * a number (`404 title host port`) is never taken for one. With `dialects`, also a dialect's
 * own status word (F's `P2PCI/1.0`), and a CR inside the line is white space (I echoes
 * `P2P-CI/1.0\r 505 …` after a CRLF request).
 */
export function parseStatusLine(line: string, dialects = false): StatusLine | null {
  const w = words(dialects ? line.replace(/\r/g, ' ') : line);
  if (w.length >= 2 && /^\d{3}$/.test(w[0]!)) return versionless(w);
  if (w.length < 2 || !/^\d{3}$/.test(w[1]!)) return null;
  if (!/^p2p-ci\/\d+\.\d+$/i.test(w[0]!) && !(dialects && statusVersionDialect(w[0]!) !== null)) return null;
  const code = Number(w[1]);
  if (!isStatusCode(code)) return null;
  return { status: code, phrase: w.slice(2).join(' ') };
}

function versionless(w: readonly string[]): StatusLine | null {
  const code = Number(w[0]);
  if (!isStatusCode(code)) return null;
  const phrase = w.slice(1).join(' ');
  return phrase.toLowerCase() === STATUS_PHRASES[code].toLowerCase() ? { status: code, phrase } : null;
}
