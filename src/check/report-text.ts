import { SECTION_TITLES, type CaseOutcome } from './types.js';
import { totalsOf } from './totals.js';
import type { CheckReport } from './runner.js';

const MARK: Readonly<Record<CaseOutcome['result'], string>> = { pass: '✓', fail: '✗', warn: '!', skip: '-' };
const COLOUR: Readonly<Record<CaseOutcome['result'], string>> = { pass: '32', fail: '31', warn: '33', skip: '2' };

/** The readable list: one line per case, grouped by section, details under failures and warnings. */
export function formatText(report: CheckReport, colour: boolean): string {
  const paint = (code: string, s: string) => (colour ? `\x1b[${code}m${s}\x1b[0m` : s);
  const { target, strict } = report.settings;
  const lines = [`p2pci check ${target.kind} ${target.host}:${target.port}${target.kind === 'peer' ? ` (RFC ${report.settings.rfc})` : ''} — ${strict ? 'strict: exact bytes required' : 'tolerant (--strict for exact bytes)'}`];
  let section = '';
  const idWidth = Math.max(...report.cases.map((c) => c.id.length), 3);
  for (const c of report.cases) {
    if (c.section !== section) {
      section = c.section;
      lines.push('', paint('1', `§${section} ${SECTION_TITLES[section] ?? ''}`));
    }
    lines.push(`  ${paint(COLOUR[c.result], MARK[c.result])} ${c.id.padEnd(idWidth)}  ${c.description}`);
    if (c.detail === undefined) continue;
    const pad = ' '.repeat(idWidth + 6);
    lines.push(`${pad}${c.result === 'skip' ? 'skipped: ' : ''}${c.detail.message}`);
    if (c.detail.sent !== undefined) lines.push(`${pad}sent:     ${c.detail.sent}`);
    if (c.detail.received !== undefined) lines.push(`${pad}received: ${c.detail.received}`);
    if (c.detail.expected !== undefined) lines.push(`${pad}expected: ${c.detail.expected}`);
  }
  const t = totalsOf(report.cases);
  const summary = `${t.total} case${t.total === 1 ? '' : 's'}: ${t.pass} passed, ${t.fail} failed, ${t.warn} warning${t.warn === 1 ? '' : 's'}, ${t.skip} skipped (${(report.ms / 1000).toFixed(1)} s)`;
  lines.push('', paint(t.fail > 0 ? '31' : t.warn > 0 ? '33' : '32', summary));
  return lines.join('\n') + '\n';
}
