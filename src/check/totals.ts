import type { CaseOutcome } from './types.js';

export interface Totals {
  total: number;
  pass: number;
  fail: number;
  warn: number;
  skip: number;
}

export function totalsOf(cases: readonly CaseOutcome[]): Totals {
  const t: Totals = { total: cases.length, pass: 0, fail: 0, warn: 0, skip: 0 };
  for (const c of cases) t[c.result]++;
  return t;
}
