/**
 * Bytes as a reader of a failure report needs to see them: printable ASCII as is, line ends
 * and other control bytes escaped (`\r`, `\n`, `\x0c`), long runs cut in the middle.
 */
const NAMED: Readonly<Record<number, string>> = { 9: '\\t', 10: '\\n', 13: '\\r', 0: '\\0', 92: '\\\\', 34: '\\"' };

function escapeRange(bytes: Buffer, start: number, end: number): string {
  let out = '';
  for (let i = start; i < end; i++) {
    const b = bytes[i]!;
    const named = NAMED[b];
    if (named !== undefined) out += named;
    else if (b >= 32 && b < 127) out += String.fromCharCode(b);
    else out += `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return out;
}

/** `"…"`-quoted escape of `bytes`; more than `max` bytes keep their head and tail. */
export function escapeBytes(bytes: Buffer | string, max = 240): string {
  const b = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes;
  if (b.length <= max) return `"${escapeRange(b, 0, b.length)}"`;
  const head = Math.floor(max * 0.75);
  const tail = max - head;
  return `"${escapeRange(b, 0, head)}" …${b.length - head - tail} bytes… "${escapeRange(b, b.length - tail, b.length)}"`;
}

/** Where two byte strings first differ, said in words, e.g. `at byte 17: expected "\r\n", got "\n"`. */
export function firstDifference(expected: Buffer, got: Buffer): string | null {
  const n = Math.min(expected.length, got.length);
  let i = 0;
  while (i < n && expected[i] === got[i]) i++;
  if (i === n && expected.length === got.length) return null;
  const show = (b: Buffer) => (i >= b.length ? 'the end' : escapeBytes(b.subarray(i, i + 12)));
  return `at byte ${i}: expected ${show(expected)}, got ${show(got)}`;
}
