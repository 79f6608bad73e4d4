import { open } from 'node:fs/promises';

/**
 * Reads an RFC's title from the file itself (PROTOCOL.md §5): after the header block
 * ("Network Working Group / Request for Comments: N / author, date") comes a centred title,
 * sometimes wrapped over two or three centred lines. Only the first few KB are read.
 */
export const TITLE_SCAN_BYTES = 8192;
const MAX_TITLE_CHARS = 200;
/** A centred line starts with this much indentation; body paragraphs are indented by 3. */
const MIN_CENTRE_INDENT = 6;
const MAX_TITLE_LINES = 3;

export function defaultTitle(rfc: number): string {
  return `RFC ${rfc}`;
}

/** The title found in the start of an RFC's text, or null. Pure: tested on real file heads. */
export function titleFromText(text: string): string | null {
  const lines = text.replace(/\f/g, '\n').split(/\r?\n/);
  let i = 0;
  const blank = (l: string | undefined) => l !== undefined && l.trim() === '';
  while (i < lines.length && blank(lines[i])) i++;
  const headerStart = i;
  while (i < lines.length && lines[i] !== undefined && !blank(lines[i])) i++;
  // A header block has the memo's identification; without one, this is not a regular RFC head.
  const header = lines.slice(headerStart, i).join('\n');
  if (!/Request for Comments|Network Working Group|RFC[ -]?\d|NIC/i.test(header)) return null;
  while (i < lines.length && blank(lines[i])) i++;
  const block: string[] = [];
  for (; i < lines.length && block.length <= MAX_TITLE_LINES + 4; i++) {
    const line = lines[i]!;
    if (line.trim() === '') break;
    if (/^[\s\-=_*]+$/.test(line)) continue; // an underline under the title
    block.push(line);
  }
  // RFC 1 and friends use a "Title: / Author: / Date:" block: only the Title line is the title.
  const labelled = block.length > 0 ? /^\s*Title:\s*(.*)$/i.exec(block[0]!) : null;
  if (labelled !== null) return clean(labelled[1]!);
  // More lines than a title ever wraps over: this is the first paragraph, not a title.
  if (block.length === 0 || block.length > MAX_TITLE_LINES) return null;
  const indentOf = (l: string) => l.length - l.trimStart().length;
  const centred = block.every((l) => indentOf(l) >= MIN_CENTRE_INDENT);
  // A few early RFCs put the title flush left, in capitals.
  const shouted = block.length === 1 && !/[a-z]/.test(block[0]!) && block[0]!.trim().length <= 60;
  if (!centred && !shouted) return null;
  return clean(block.map((l) => l.trim()).join(' '));
}

/** Titles travel in a header line: one line, printable, single spaces, bounded. */
function clean(raw: string): string | null {
  let title = raw.replace(/[\x00-\x1f\x7f]/g, ' ').replace(/[ \t]+/g, ' ').trim();
  // Some early RFCs say "[unknown title]": that is no title, the default says more.
  if (title === '' || /^\[.*\]$/.test(title)) return null;
  if (title.length > MAX_TITLE_CHARS) title = title.slice(0, MAX_TITLE_CHARS).trimEnd();
  return title;
}

/** The title of the RFC file at `path`, or the default `RFC <n>` when none can be found. */
export async function readTitle(path: string, rfc: number): Promise<string> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(TITLE_SCAN_BYTES);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return titleFromText(buf.toString('latin1', 0, bytesRead)) ?? defaultTitle(rfc);
  } finally {
    await fh.close();
  }
}
