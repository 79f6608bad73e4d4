import { totalsOf } from './totals.js';
import type { CheckReport } from './runner.js';

/** `--json`: one object (target, cases, totals), for a grader to read. */
export function formatJson(report: CheckReport): string {
  const { target, strict, rfc } = report.settings;
  return JSON.stringify({
    target: { ...target, ...(rfc === undefined ? {} : { rfc }) },
    strict,
    cases: report.cases.map((c) => ({
      id: c.id, section: c.section, description: c.description, result: c.result,
      ...(c.detail === undefined ? {} : { detail: c.detail.message, sent: c.detail.sent, received: c.detail.received, expected: c.detail.expected }),
      ms: c.ms,
    })),
    totals: totalsOf(report.cases),
    ms: report.ms,
  }) + '\n';
}
