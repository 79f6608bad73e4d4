import { MESSAGE_CASES } from './server-cases-messages.js';
import { STATUS_CASES } from './server-cases-status.js';
import { CLEANUP_CASES } from './server-cases-cleanup.js';
import { ROBUST_CASES } from './server-cases-robust.js';
import { GET_CASES } from './peer-cases-get.js';
import { PEER_ROBUST_CASES, PEER_STATUS_CASES } from './peer-cases-robust.js';
import type { CheckCase, TargetKind } from './types.js';

/** Every case per kind of target, in the order they run (2.1, LIST of an empty index, first). */
export const CASE_TABLES: Readonly<Record<TargetKind, readonly CheckCase[]>> = {
  server: [...MESSAGE_CASES, ...STATUS_CASES, ...CLEANUP_CASES, ...ROBUST_CASES],
  peer: [...GET_CASES, ...PEER_STATUS_CASES, ...PEER_ROBUST_CASES],
};

/** `--only 6.1,2.3`: a case matches an id given or lies under it (6.1 takes 6.1.4, not 6.10). */
export function selectCases(cases: readonly CheckCase[], only: readonly string[] | undefined, strict: boolean): CheckCase[] {
  return cases.filter((c) => (strict || !c.strict) && (only === undefined || only.some((id) => c.id === id || c.id.startsWith(`${id}.`))));
}
