/**
 * Issue 5: a peer that vanishes without FIN or RST (power cut, cable pulled) is detected by
 * TCP keepalive and its records are dropped.
 *
 * How it is simulated: the server runs in one network namespace and the peer in another,
 * joined by a veth pair. Once the peer has registered, the test removes the peer's address:
 * packets still reach the peer's side but are silently dropped there, so from the server's
 * side the peer is simply gone — no FIN, no RST, no answer to anything, like a machine whose
 * power was cut. (Taking the link down instead makes the server's own kernel fail to send,
 * which it does not count as an unanswered probe; SIGSTOPping the peer process would not do
 * either: its kernel would keep answering the probes.) The server runs with
 * `--keepalive-ms 1000`: the first probe goes after 1 s of silence, and Node (libuv) sends
 * up to 10 probes 1 s apart, so detection is expected after about 1 + 10 s.
 *
 * Needs root (CAP_NET_ADMIN) and iproute2; without them the test says so and is skipped.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { startCli } from '../helpers/cli.js';

const id = `${process.pid % 10000}${randomInt(100)}`;
const nsServer = `p2pka-s${id}`;
const nsPeer = `p2pka-p${id}`;
const vethServer = `vs${id}`;
const vethPeer = `vp${id}`;
const subnet = `10.${77 + randomInt(20)}.${randomInt(250)}`;
const serverIp = `${subnet}.1`;
const peerIp = `${subnet}.2`;

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: 'pipe' });
}

/** The server side's TCP state of its connection from the peer, as `ss` shows it. */
function serverSocketState(): string {
  return execFileSync('ip', ['netns', 'exec', nsServer, 'ss', '-tnoi', 'state', 'established', 'dst', peerIp], { stdio: 'pipe' }).toString();
}

/**
 * Linux arms the keepalive timer only while nothing the server sent is waiting for an ACK:
 * with bytes in flight it retransmits instead (tcp_retries2, ~15 min). The peer's ACK of the
 * last response can be delayed (delayed ACK, up to 40 ms or more on a loaded machine), so pull
 * the cable only once the server's socket says everything was acknowledged and its keepalive
 * timer is the one running. Waits for that state, bounded; returns what `ss` showed.
 */
async function waitUntilServerSocketIdle(timeoutMs: number): Promise<string> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const state = serverSocketState();
    const [, sendQ] = /^\s*\d+\s+(\d+)\s/m.exec(state) ?? [];
    if (sendQ === '0' && /timer:\(keepalive/.test(state) && !/unacked:/.test(state)) return state;
    if (performance.now() > deadline) throw new Error(`server socket never went idle:\n${state}`);
    await delay(10);
  }
}

function canUseNamespaces(): string | null {
  if (process.getuid?.() !== 0) return 'not root';
  const probe = spawnSync('ip', ['netns', 'add', `${nsServer}`], { stdio: 'pipe' });
  if (probe.status !== 0) return `ip netns add failed: ${probe.stderr?.toString().trim() || probe.error?.message}`;
  return null;
}

function teardown(): void {
  for (const ns of [nsServer, nsPeer]) spawnSync('ip', ['netns', 'del', ns], { stdio: 'pipe' });
}

const whyNot = canUseNamespaces();
if (whyNot !== null) console.log(`\n!!! SKIPPING keepalive test: network namespaces unavailable (${whyNot}) !!!\n`);

test('a peer that vanishes without FIN/RST is dropped by TCP keepalive', { timeout: 120_000, skip: whyNot ?? false }, async () => {
  const procs: Array<{ kill(): void }> = [];
  try {
    ip('netns', 'add', nsPeer);
    ip('link', 'add', vethServer, 'type', 'veth', 'peer', 'name', vethPeer);
    ip('link', 'set', vethServer, 'netns', nsServer);
    ip('link', 'set', vethPeer, 'netns', nsPeer);
    ip('-n', nsServer, 'addr', 'add', `${serverIp}/24`, 'dev', vethServer);
    ip('-n', nsPeer, 'addr', 'add', `${peerIp}/24`, 'dev', vethPeer);
    for (const [ns, dev] of [[nsServer, vethServer], [nsPeer, vethPeer]] as const) {
      ip('-n', ns, 'link', 'set', 'lo', 'up');
      ip('-n', ns, 'link', 'set', dev, 'up');
    }

    const server = startCli(['server', '--port', '0', '--host', serverIp, '--keepalive-ms', '1000', '--status-interval', '0'], { wrapper: ['ip', 'netns', 'exec', nsServer] });
    procs.push(server);
    const [, port] = await server.waitForLine(/listening on [\d.]+:(\d+)/, 30_000);

    // The peer: a plain socket client in the other namespace that registers three RFCs and then idles.
    const peerScript = `
      const s = require('node:net').connect(${port}, '${serverIp}', () => {
        for (const n of [1, 2, 3]) s.write('ADD RFC ' + n + ' P2P-CI/1.0\\r\\nHost: vanishing\\r\\nPort: 4000\\r\\nTitle: t\\r\\n\\r\\n');
      });
      let got = '';
      s.on('data', (d) => { got += d; if ((got.match(/200 OK/g) || []).length === 3) console.log('registered'); });
      s.on('error', () => {});
      setInterval(() => {}, 1000);`;
    const peer = startCli([], { wrapper: ['ip', 'netns', 'exec', nsPeer], script: peerScript });
    procs.push(peer);
    await peer.waitForLine(/^registered$/, 30_000);
    await server.waitForLine(/ADD RFC 3 from vanishing:4000 -> 200/, 15_000);

    await waitUntilServerSocketIdle(10_000);

    const pulled = performance.now();
    ip('-n', nsPeer, 'addr', 'flush', 'dev', vethPeer);
    const gone = /peer vanishing:4000 .* left \((error|reset)\); 3 records dropped/;
    const [line] = await server.waitForLine(gone, 60_000).catch((err: Error) => {
      // Say what TCP was doing, so a failure here can be told apart from a failure of ours.
      throw new Error(`${err.message}\nserver socket state:\n${serverSocketState()}`);
    });
    const seconds = (performance.now() - pulled) / 1000;
    console.log(`  vanished peer detected after ${seconds.toFixed(1)} s: ${line}`);
    assert.ok(seconds > 0.9 && seconds < 45, `took ${seconds} s`);
  } finally {
    for (const p of procs) p.kill();
    teardown();
  }
});
