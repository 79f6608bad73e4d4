/**
 * The attacker of bench/hardening/attack.ts, in its own process so its CPU is not the good
 * peer's. Opens `connections` sockets to the index server for `seconds`: a third send random
 * garbage, a third send a partial request and stall (slowloris), a third flood pipelined
 * requests without reading the answers. Whatever the server closes is reopened at once.
 * Stops after `seconds` or at SIGTERM, printing what it did.
 * Usage: [ATTACK_KINDS=garbage,partial,flood] attacker.js <port> <connections> <seconds>
 */
import { connect, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';

const [port, total, seconds] = process.argv.slice(2).map(Number) as [number, number, number];
const until = performance.now() + seconds * 1000;
const flood = Buffer.from('LOOKUP RFC 791 P2P-CI/1.0\r\nHost: flood\r\nPort: 1\r\nTitle: x\r\n\r\n'.repeat(200));
const stats = { opened: 0, closedByServer: 0, bytesSent: 0 };
const live = new Set<Socket>();

type Kind = 'garbage' | 'partial' | 'flood';

function open(kind: Kind): void {
  if (performance.now() >= until) return;
  const s = connect({ port, host: '127.0.0.1' });
  stats.opened++;
  live.add(s);
  s.on('error', () => {});
  s.on('close', () => {
    live.delete(s);
    if (performance.now() >= until) return;
    stats.closedByServer++;
    // Reopen on the next turn, not synchronously, so a refusing server isn't hammered in a tight loop.
    setImmediate(() => open(kind));
  });
  s.on('connect', () => {
    if (kind === 'garbage') {
      const burst = () => {
        if (s.destroyed || performance.now() >= until) return;
        const junk = randomBytes(512);
        stats.bytesSent += junk.length;
        if (s.write(junk)) setImmediate(burst);
        else s.once('drain', burst);
      };
      burst();
    } else if (kind === 'partial') {
      s.write('LOOKUP RFC 791 P2P-CI/1.0\r\nHost: slow\r\nPo');
      stats.bytesSent += 40;
    } else {
      s.on('data', () => {}); // reads nothing useful; pausing would hide the flood from TCP
      s.pause();
      const pump = () => {
        while (!s.destroyed && performance.now() < until) {
          stats.bytesSent += flood.length;
          if (!s.write(flood)) {
            s.once('drain', pump);
            return;
          }
        }
      };
      pump();
    }
  });
}

// ATTACK_KINDS=garbage,flood (say) narrows the attack down, to see what costs what.
const kinds = (process.env.ATTACK_KINDS ?? 'garbage,partial,flood').split(',') as Kind[];
for (let i = 0; i < total; i++) open(kinds[i % kinds.length]!);
/** Everything closed, what was done printed (one JSON line), gone: at `seconds`, or when told (SIGTERM). */
function stop(): void {
  const open = [...live];
  live.clear();
  for (const s of open) s.destroy();
  process.stdout.write(JSON.stringify(stats) + '\n');
  process.exit(0);
}
setTimeout(stop, seconds * 1000);
process.on('SIGTERM', stop);
