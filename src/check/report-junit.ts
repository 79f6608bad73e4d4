import { SECTION_TITLES, type CaseOutcome } from './types.js';
import { totalsOf } from './totals.js';
import type { CheckReport } from './runner.js';

const xml = (s: string) =>
  // eslint-disable-next-line no-control-regex
  s.replace(/[\x00-\x08\x0b\x0c\x0e-\x1f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
    .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const secs = (ms: number) => (ms / 1000).toFixed(3);

function detailText(c: CaseOutcome): string {
  const d = c.detail!;
  return [d.message, d.sent && `sent:     ${d.sent}`, d.received && `received: ${d.received}`, d.expected && `expected: ${d.expected}`].filter(Boolean).join('\n');
}

function testcase(c: CaseOutcome, suite: string): string {
  const open = `    <testcase classname="${xml(suite)}" name="${xml(`${c.id} ${c.description}`)}" time="${secs(c.ms)}"`;
  switch (c.result) {
    case 'pass':
      return `${open}/>`;
    case 'skip':
      return `${open}>\n      <skipped message="${xml(c.detail?.message ?? '')}"/>\n    </testcase>`;
    case 'fail':
      return `${open}>\n      <failure message="${xml(c.detail?.message ?? '')}" type="nonconformance">${xml(detailText(c))}</failure>\n    </testcase>`;
    case 'warn':
      // A warning passes (as in the text list); its deviation goes where CI shows test output.
      return `${open}>\n      <system-out>${xml(`warning: ${detailText(c)}`)}</system-out>\n    </testcase>`;
  }
}

/** `--junit FILE`: JUnit XML as h2spec's -j writes it, one testsuite per PROTOCOL.md section. */
export function formatJunit(report: CheckReport): string {
  const { target } = report.settings;
  const sections = [...new Set(report.cases.map((c) => c.section))];
  const t = totalsOf(report.cases);
  const out = ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites name="p2pci check ${target.kind} ${xml(`${target.host}:${target.port}`)}" tests="${t.total}" failures="${t.fail}" skipped="${t.skip}" errors="0" time="${secs(report.ms)}">`];
  for (const s of sections) {
    const cases = report.cases.filter((c) => c.section === s);
    const st = totalsOf(cases);
    const name = `${target.kind} §${s} ${SECTION_TITLES[s] ?? ''}`.trim();
    out.push(`  <testsuite name="${xml(name)}" tests="${st.total}" failures="${st.fail}" skipped="${st.skip}" errors="0" time="${secs(cases.reduce((n, c) => n + c.ms, 0))}">`);
    for (const c of cases) out.push(testcase(c, `p2pci.check.${target.kind}.${s}`));
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return out.join('\n') + '\n';
}
