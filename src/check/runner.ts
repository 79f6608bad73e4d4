import { randomInt } from 'node:crypto';
import { RawConn } from './raw-conn.js';
import { CASE_TABLES, selectCases } from './case-tables.js';
import { CaseFailure, CaseSkipped, type CaseContext, type CaseOutcome, type CheckCase, type Detail, type RunSettings } from './types.js';

export interface CheckReport {
  settings: RunSettings;
  cases: CaseOutcome[];
  ms: number;
}

/** The target could not be reached at all (exit 2, no case run). */
export class UnreachableError extends Error {}

/**
 * Runs the selected cases one after the other, each with its own deadline and connections.
 * Whatever a case opened is destroyed when it ends, so the target is left as it was found
 * (its cleanup of our records is itself what §5 checks).
 */
export async function runCheck(settings: RunSettings, only?: readonly string[]): Promise<CheckReport> {
  const started = Date.now();
  const { host, port } = settings.target;
  try {
    (await RawConn.open(host, port, Date.now() + settings.timeoutMs)).destroy();
  } catch (err) {
    throw new UnreachableError(`cannot reach ${host}:${port}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  // Random per run, so two runs against one server (or a half-cleaned index) never collide.
  const tag = randomInt(0, 0xffffff).toString(16).padStart(6, '0');
  const ids = { rfc: 900_000_000 + randomInt(0, 90_000_000), peer: 0 };
  const fresh = {
    rfc: () => ids.rfc++,
    peer: () => ({ host: `check-${tag}-${++ids.peer}.invalid`, port: 20000 + ((randomInt(0, 40000) + ids.peer) % 40000) }),
  };
  const cases: CaseOutcome[] = [];
  for (const c of selectCases(CASE_TABLES[settings.target.kind], only, settings.strict)) cases.push(await runCase(c, settings, fresh));
  return { settings, cases, ms: Date.now() - started };
}

async function runCase(c: CheckCase, settings: RunSettings, fresh: { rfc(): number; peer(): { host: string; port: number } }): Promise<CaseOutcome> {
  const started = Date.now();
  const conns: RawConn[] = [];
  const warnings: Detail[] = [];
  const ctx: CaseContext = {
    ...settings,
    deadline: started + settings.timeoutMs,
    open: async () => {
      const conn = await RawConn.open(settings.target.host, settings.target.port, ctx.deadline);
      conns.push(conn);
      return conn;
    },
    freshRfc: fresh.rfc,
    freshPeer: fresh.peer,
    warn: (d) => void warnings.push(d),
  };
  const outcome = (result: CaseOutcome['result'], detail?: Detail): CaseOutcome => ({
    id: c.id, section: c.section, description: c.description, result, ...(detail === undefined ? {} : { detail }), ms: Date.now() - started,
  });
  let backstop: NodeJS.Timeout | undefined;
  try {
    // A case that ignores its deadline (a wait without one) still ends shortly after it.
    const late = new Promise<never>((_, reject) => {
      backstop = setTimeout(() => reject(new CaseFailure({ message: `no verdict within ${settings.timeoutMs} ms`, expected: 'an answer within --timeout' })), settings.timeoutMs + 500);
    });
    await Promise.race([c.run(ctx), late]);
    return warnings.length === 0 ? outcome('pass') : outcome('warn', mergeWarnings(warnings));
  } catch (err) {
    if (err instanceof CaseSkipped) return outcome('skip', { message: err.message });
    if (err instanceof CaseFailure) return outcome('fail', err.detail);
    const code = (err as NodeJS.ErrnoException).code;
    const last = conns[conns.length - 1];
    return outcome('fail', { message: `${code ?? (err as Error).message}${code === undefined ? '' : `: ${(err as Error).message}`}`, ...(last?.transcript() ?? {}), expected: 'a connection that stays up until the exchange is done' });
  } finally {
    clearTimeout(backstop);
    for (const conn of conns) conn.destroy();
  }
}

/** Several warnings of one case: the first in full, the count of the rest. */
function mergeWarnings(warnings: Detail[]): Detail {
  const first = warnings[0]!;
  return warnings.length === 1 ? first : { ...first, message: `${first.message} (and ${warnings.length - 1} more deviation${warnings.length > 2 ? 's' : ''})` };
}
