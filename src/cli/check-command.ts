import { Command, InvalidArgumentError, Option } from 'commander';
import { readFile, writeFile } from 'node:fs/promises';
import { hostPort, integer, rfcNumber } from './parse.js';
import { DEFAULT_INDEX_PORT } from '../server/index-server.js';
import { runCheck, UnreachableError, type CheckReport } from '../check/runner.js';
import { formatText } from '../check/report-text.js';
import { formatJson } from '../check/report-json.js';
import { formatJunit } from '../check/report-junit.js';
import { totalsOf } from '../check/totals.js';
import type { RunSettings, TargetKind } from '../check/types.js';

/**
 * `p2pci check server|peer HOST:PORT`: a conformance checker for any P2P-CI implementation.
 * Exit 0: no case failed; 1: a case failed; 2: the target could not be reached.
 */
export const CHECK_EXIT = { OK: 0, FAILED: 1, UNREACHABLE: 2 } as const;

interface CheckOptions {
  strict: boolean;
  json: boolean;
  junit?: string;
  only?: string[];
  timeout: number;
  rfc?: number;
  file?: string;
}

function caseIds(value: string): string[] {
  const ids = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const bad = ids.find((id) => !/^\d+(\.\d+)*$/.test(id));
  if (ids.length === 0 || bad !== undefined) throw new InvalidArgumentError(`expected case ids like 6.1,2.3, got "${value}"`);
  return ids;
}

function common(cmd: Command): Command {
  return cmd
    .option('--strict', 'also run the exact-bytes cases only a spec-exact implementation passes', false)
    .option('--json', 'print one JSON object (target, cases, totals) instead of the list', false)
    .option('--junit <file>', 'also write the results as JUnit XML to <file>')
    .addOption(new Option('--only <ids>', 'run only these cases and the cases under them (e.g. 6.1,2.3)').argParser(caseIds))
    .addOption(new Option('--timeout <ms>', 'time limit of each case').argParser(integer(50, 600_000)).default(2000));
}

export function registerCheckCommand(program: Command): void {
  const check = program.command('check').description('check that a P2P-CI server or peer follows PROTOCOL.md (exit 1: a case failed, 2: unreachable)');
  common(check.command('server').argument('<host:port>', 'index server to check', hostPort(DEFAULT_INDEX_PORT)).description('check an index server'))
    .action((target: { host: string; port: number }, opts: CheckOptions) => run('server', target, opts));
  common(check.command('peer').argument('<host:port>', "peer's upload server to check", hostPort(DEFAULT_INDEX_PORT)).description("check a peer's upload server"))
    .requiredOption('--rfc <n>', 'an RFC number the peer serves', rfcNumber)
    .option('--file <path>', 'the file the peer serves for --rfc, to compare bytes')
    .action((target: { host: string; port: number }, opts: CheckOptions) => run('peer', target, opts));
}

async function run(kind: TargetKind, target: { host: string; port: number }, opts: CheckOptions): Promise<void> {
  const settings: RunSettings = { target: { kind, ...target }, timeoutMs: opts.timeout, strict: opts.strict, rfc: opts.rfc };
  if (opts.file !== undefined) {
    try {
      settings.file = await readFile(opts.file);
    } catch (err) {
      fail(CHECK_EXIT.FAILED, `cannot read --file ${opts.file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  let report: CheckReport;
  try {
    report = await runCheck(settings, opts.only);
  } catch (err) {
    if (!(err instanceof UnreachableError)) throw err;
    if (opts.json) process.stdout.write(JSON.stringify({ target: settings.target, error: err.message }) + '\n');
    return fail(CHECK_EXIT.UNREACHABLE, err.message);
  }
  if (report.cases.length === 0) fail(CHECK_EXIT.FAILED, `no case matches --only ${opts.only?.join(',')}`);
  const colour = process.stdout.isTTY === true && process.env.NO_COLOR === undefined;
  process.stdout.write(opts.json ? formatJson(report) : formatText(report, colour));
  if (opts.junit !== undefined) await writeFile(opts.junit, formatJunit(report));
  process.exitCode = totalsOf(report.cases).fail > 0 ? CHECK_EXIT.FAILED : CHECK_EXIT.OK;
}

function fail(code: number, message: string): never {
  process.stderr.write(`p2pci: ${message}\n`);
  process.exit(code);
}
