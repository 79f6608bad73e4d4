import { BOUNDS } from './options.js';
import { makeFolder } from './pool.js';
import { freePort } from './servers.js';
import { PeerProc, type MenuCommand } from './peer-proc.js';
import type { World } from './world.js';

/** The menu's answer; several sources are listed with their shares (swarm downloads). */
const DOWNLOADED = /^downloaded RFC (\d+) \(\d+ bytes\) from .+? into (.+?) in \d+ ms/;

/** Waits until server `i` (and Redis) are up, so a joining peer has something to join. */
export async function serverReady(w: World, i: number): Promise<void> {
  const deadline = performance.now() + 2 * BOUNDS.startMs;
  while ((!w.servers[i]!.up || w.redis?.restarting) && performance.now() < deadline && !w.stopping) {
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A peer joins slot `slot` on server `server`, sharing a fresh folder holding `shares`. */
export async function joinPeer(w: World, slot: number, server: number, shares: readonly number[]): Promise<void> {
  const dir = await makeFolder(w.root, `peer${slot}`, shares);
  w.folders.watch(dir);
  for (let attempt = 0; attempt < 4 && !w.stopping; attempt++) {
    await serverReady(w, server);
    const port = await freePort();
    for (const rfc of shares) w.expected.set(port, rfc, true, w.title(rfc), Infinity);
    const since = performance.now();
    const peer = new PeerProc(slot, server, dir, port, w.servers[server]!.port, shares, (p, cmd, lines) => onAnswer(w, p, cmd, lines));
    w.peers[slot] = peer;
    const up = await peer.proc.waitForLine(/^peer \S+ sharing \d+ RFCs/, BOUNDS.startMs);
    const now = performance.now();
    const failed = new Set(peer.proc.lines.map((l) => /^warning: RFC (\d+) not registered/.exec(l)?.[1]).filter((x) => x !== undefined).map(Number));
    // A refused ADD is tried again by the peer: unknown until it says it registered it.
    for (const rfc of shares) w.expected.set(port, rfc, up !== null && !failed.has(rfc), w.title(rfc), failed.has(rfc) ? Infinity : now + BOUNDS.settleMs);
    peer.onLateRegistered = (rfcs) => {
      for (const rfc of rfcs) w.expected.set(port, rfc, true, w.title(rfc), performance.now() + BOUNDS.settleMs);
    };
    if (up !== null) {
      peer.sharing = true;
      void peer.proc.exited.then((exit) => onPeerExit(w, peer, exit));
      return;
    }
    peer.proc.signal('SIGKILL', 'did not start');
    await peer.proc.exited;
    w.peers[slot] = null;
    if (w.stopping) return;
    const why = peer.proc.stderrLines.join(' ');
    // A port taken between our probe and its bind, or a server killed while it joined: try again.
    const retry = /upload port already in use/.test(why) || (/unreachable|ECONNRESET|ECONNREFUSED/.test(why) && !w.serverSteady(server, since));
    if (!retry) {
      w.journal.violate(3, `${peer.label} did not start within ${(performance.now() - since).toFixed(0)} ms: ${why || peer.proc.lines.slice(-3).join(' | ') || 'no output'}`);
      return;
    }
  }
}

function onPeerExit(w: World, peer: PeerProc, exit: { code: number | null; signal: NodeJS.Signals | null }): void {
  if (w.peers[peer.slot] === peer) w.peers[peer.slot] = null;
  const now = performance.now();
  // A record held by a SIGKILLed Redis-backed server stays until the survivors purge it.
  const settle = Math.max(now + BOUNDS.settleMs, w.servers[peer.server]!.purgeUntil);
  w.checkExit(peer.proc, { ...exit, at: now }, (e) =>
    (peer.proc.expected === 'leave' && e.code === 0) || (peer.proc.expected === 'SIGKILL' && e.signal === 'SIGKILL'),
  );
  for (const rfc of w.pool.keys()) {
    if (w.expected.has(peer.port, rfc) || peer.pending.some((c) => c.rfc === rfc)) w.expected.set(peer.port, rfc, false, '', settle);
  }
  // The peer's connection closed with it; whatever it was waiting for, the index forgets it.
  w.expected.unsettlePeer(peer.port, Math.min(w.expected.peerSettledAt(peer.port), settle));
  for (const cmd of peer.pending.splice(0)) if (cmd.token !== undefined) w.folders.end(cmd.token, 'killed');
}

/** Leaves through the menu (5 Shut Down) or by SIGTERM. */
export async function leavePeer(w: World, peer: PeerProc, how: 'menu' | 'SIGTERM'): Promise<void> {
  peer.proc.expected = 'leave';
  for (const rfc of w.pool.keys()) if (w.expected.has(peer.port, rfc)) w.expected.set(peer.port, rfc, true, w.title(rfc), Infinity);
  if (how === 'menu') peer.proc.write('5\n');
  else peer.proc.signal('SIGTERM', 'leave');
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), BOUNDS.startMs)));
  if ((await Promise.race([peer.proc.exited, late])) === 'late') {
    w.journal.violate(3, `${peer.label} did not exit within ${BOUNDS.startMs} ms of a clean shutdown (${how})`);
    peer.proc.signal('SIGKILL', 'SIGKILL');
    await peer.proc.exited;
  }
  clearTimeout(timer);
}

export function killPeer(w: World, peer: PeerProc): void {
  w.journal.kills++;
  peer.proc.signal('SIGCONT', null);
  peer.proc.signal('SIGKILL', 'SIGKILL');
}

export function freezePeer(peer: PeerProc, frozen: boolean): void {
  peer.frozen = frozen;
  peer.proc.signal(frozen ? 'SIGSTOP' : 'SIGCONT', null);
}

/** Menu 1 Add or 4 Download of `rfc`. */
export function menuCommand(w: World, peer: PeerProc, kind: MenuCommand['kind'], rfc: number): void {
  const was = w.expected.has(peer.port, rfc);
  w.expected.set(peer.port, rfc, was, w.title(rfc), Infinity);
  const cmd: MenuCommand = { kind, rfc, issuedAt: performance.now() };
  if (kind === 'download') cmd.token = w.folders.begin(peer.dir, rfc);
  peer.send(cmd);
}

function onAnswer(w: World, peer: PeerProc, cmd: MenuCommand, lines: string[]): void {
  const text = lines.join('\n');
  // Answers come in order: what the index must show is what the commands before this one left.
  let present = w.expected.has(peer.port, cmd.rfc);
  if (cmd.kind === 'download') {
    const ok = DOWNLOADED.exec(lines[0] ?? '');
    const skipped = /^RFC \d+ is already in /.test(text);
    w.folders.end(cmd.token!, skipped ? 'skipped' : 'ran');
    if (ok !== null) {
      present = true;
      w.journal.downloads++;
      void w.folders.verify(ok[2]!, cmd.rfc, `${peer.label} menu download of RFC ${cmd.rfc}`);
    }
    w.journal.note(`${peer.label} download RFC ${cmd.rfc}: ${text.slice(0, 160)}`);
  } else {
    if (/^P2P-CI\/1\.0 200 OK/.test(text) || /will be registered when it is back/.test(text)) present = true;
    w.journal.note(`${peer.label} add RFC ${cmd.rfc}: ${text.split('\n')[0]}`);
  }
  const more = peer.pending.some((c) => c.rfc === cmd.rfc); // a later command on it is under way
  // An ADD answered 400 (Redis down) is tried again by the peer: unknown until it says so (onLateRegistered).
  const refused = (cmd.kind === 'add' && /400 Bad Request/.test(text)) || /not registered with the index server yet/.test(text);
  w.expected.set(peer.port, cmd.rfc, present, w.title(cmd.rfc), more || refused ? Infinity : performance.now() + BOUNDS.settleMs);
}
