import type { RfcRecord } from './messages.js';
import { parsePort, parseRfcNumber } from './headers.js';

/** `RFC <number> <title> <hostname> <upload port>` — the title keeps its inner spacing. */
export function formatRecordLine(r: RfcRecord): string {
  return `RFC ${r.rfc} ${r.title} ${r.host} ${r.port}`;
}

function isBlank(c: number): boolean {
  return c === 32 || c === 9;
}

/**
 * Reads a record line the way §2 prescribes: the first two words, the last two words, and
 * the title in between (which may contain spaces, or be empty). Runs of spaces or tabs
 * between words are accepted (§6). Returns null when the line is not a record line.
 */
export function parseRecordLine(line: string): RfcRecord | null {
  let end = line.length;
  while (end > 0 && isBlank(line.charCodeAt(end - 1))) end--;
  let i = 0;
  while (i < end && isBlank(line.charCodeAt(i))) i++;
  const word = () => {
    const start = i;
    while (i < end && !isBlank(line.charCodeAt(i))) i++;
    const w = line.slice(start, i);
    while (i < end && isBlank(line.charCodeAt(i))) i++;
    return w;
  };
  if (word().toUpperCase() !== 'RFC') return null;
  const rfc = parseRfcNumber(word());
  if (rfc === null) return null;
  const titleStart = i;
  let j = end;
  const wordBack = () => {
    const stop = j;
    while (j > titleStart && !isBlank(line.charCodeAt(j - 1))) j--;
    const w = line.slice(j, stop);
    while (j > titleStart && isBlank(line.charCodeAt(j - 1))) j--;
    return w;
  };
  const port = parsePort(wordBack());
  const host = wordBack();
  if (port === null || host === '') return null;
  return { rfc, title: line.slice(titleStart, j), host, port };
}

/**
 * A record line as the dialects of DIALECTS.md write it, when adapting: §2's form, or without
 * the `RFC` prefix (`2 title host port`: F, H's LIST), or D's fields joined by the literal
 * text `<sp>` (`2<sp>title<sp>127.0.0.1<sp><source port><sp><upload port>`).
 */
export function parseRecordLineLoose(line: string): RfcRecord | null {
  const spec = parseRecordLine(line);
  if (spec !== null) return spec;
  if (line.includes('<sp>')) {
    const f = line.trim().split('<sp>');
    const rfc = parseRfcNumber(f[0] ?? '');
    const port = parsePort(f[f.length - 1] ?? '');
    if (f.length !== 5 || rfc === null || port === null || f[2] === '') return null;
    return { rfc, title: f[1]!, host: f[2]!, port };
  }
  return /^[ \t]*\d/.test(line) ? parseRecordLine(`RFC ${line.trim()}`) : null;
}
