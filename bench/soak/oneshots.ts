import { join } from 'node:path';
import { BOUNDS } from './options.js';
import { TRANSIENT_HOST } from './model.js';
import { Proc, type ProcExit } from './proc.js';
import type { World } from './world.js';

/** A one-shot that could not reach its server is fine only if the server (or Redis) was down meanwhile. */
function unreachableExplained(w: World, server: number, proc: Proc): boolean {
  const why = proc.stderrLines.join(' ');
  return /unreachable|ECONNRESET|ECONNREFUSED|closed/.test(why) && !w.serverSteady(server, proc.startedAt - BOUNDS.settleMs);
}

/** `p2pci get <rfc> --dir <dir>`: a short-lived peer downloads into `dir` (a peer's folder or a bystander's). */
export function oneShotGet(w: World, rfc: number, dir: string, server: number): void {
  const proc = Proc.cli(`get RFC ${rfc} into ${dir}`, [
    'get', String(rfc), '--dir', dir, '--server', `127.0.0.1:${w.servers[server]!.port}`, '--advertise-host', TRANSIENT_HOST, '--json',
  ], performance.now());
  w.gets.add(proc);
  w.oneShots++;
  w.refreshTransient();
  const token = w.folders.begin(dir, rfc);
  void proc.exited.then((exit) => {
    w.gets.delete(proc);
    w.oneShots--;
    w.refreshTransient();
    w.folders.end(token, proc.expected !== null ? 'killed' : 'ran');
    w.checkExit(proc, exit, (e) => proc.expected !== null || e.code === 2 || e.code === 3 || e.code === 0 || (e.code === 1 && unreachableExplained(w, server, proc)));
    w.journal.note(`get RFC ${rfc} ended (${exit.signal ?? exit.code}) ${(proc.lines[0] ?? proc.stderrLines[0] ?? '').slice(0, 160)}`);
    if (exit.code !== 0) return;
    w.journal.downloads++;
    try {
      const d = JSON.parse(proc.lines[0] ?? '') as { sha256?: string };
      if (d.sha256 !== w.pool.get(rfc)?.sha256) w.journal.violate(2, `get of RFC ${rfc} reported SHA-256 ${d.sha256}, not the source's`);
      void w.folders.verify(join(dir, `rfc${rfc}.txt`), rfc, `get of RFC ${rfc}`);
    } catch {
      w.journal.violate(3, `get of RFC ${rfc} exited 0 without its JSON line: ${proc.lines.join(' | ')}`);
    }
  });
}

/** SIGKILLs the youngest running get (a download killed mid-way). */
export function killYoungestGet(w: World): boolean {
  const youngest = [...w.gets].pop();
  if (youngest === undefined) return false;
  w.journal.kills++;
  youngest.signal('SIGKILL', 'SIGKILL');
  return true;
}

/** A bystander's `p2pci lookup` or `p2pci list`: answered, and never with an error while all is up. */
export function bystander(w: World, kind: 'lookup' | 'list', rfc: number, server: number): void {
  const args = kind === 'lookup' ? ['lookup', String(rfc)] : ['list'];
  const proc = Proc.cli(`bystander ${args.join(' ')}`, [...args, '--json', '--server', `127.0.0.1:${w.servers[server]!.port}`], performance.now());
  w.oneShots++;
  void proc.exited.then((exit: ProcExit) => {
    w.oneShots--;
    let status = 0;
    try {
      status = (JSON.parse(proc.lines[0] ?? '{}') as { status?: number }).status ?? 0;
    } catch {
      // no answer line: the exit code says why
    }
    const errorAnswer = status === 400 && !(w.storeOutage(proc.startedAt) || w.storeOutage());
    if (errorAnswer) w.journal.violate(3, `${proc.label} on server ${server} was answered 400 with the index up`);
    w.checkExit(proc, exit, (e) => e.code === 0 || e.code === 2 || (e.code === 1 && (status === 400 || unreachableExplained(w, server, proc))));
  });
}
