/**
 * One row of the benchmark table. Every bench module returns rows of this shape; `npm run
 * bench` prints them together (and writes them with --json FILE).
 */
export interface BenchRow {
  /** What was measured, e.g. "LOOKUP rate, 64 clients". */
  figure: string;
  value: number;
  unit: string;
  /** The bare-Node (or other) reference measured in the same run, when there is one. */
  reference?: number;
  referenceLabel?: string;
  /** value / reference, or another ratio the target is stated in. */
  ratio?: number;
  /** The target in words, e.g. ">= 70 % of bare Node". */
  target?: string;
  pass?: boolean;
  note?: string;
}

function fmt(n: number | undefined, digits = 2): string {
  if (n === undefined || Number.isNaN(n)) return '';
  if (Math.abs(n) >= 1000) return Math.round(n).toLocaleString('en-US');
  return n.toFixed(digits);
}

export function formatTable(rows: readonly BenchRow[]): string {
  const header = ['figure', 'value', 'unit', 'reference', 'ratio', 'target', 'result'];
  const body = rows.map((r) => [
    r.figure,
    fmt(r.value),
    r.unit,
    r.reference === undefined ? '' : `${fmt(r.reference)}${r.referenceLabel ? ` (${r.referenceLabel})` : ''}`,
    r.ratio === undefined ? '' : fmt(r.ratio),
    r.target ?? '',
    r.pass === undefined ? '' : r.pass ? 'pass' : 'FAIL',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ') + ' |';
  return [line(header), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...body.map(line)].join('\n');
}
