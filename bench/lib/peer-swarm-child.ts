import { connect, type Socket } from 'node:net';
import { ExactReader } from './clients.js';
import { joinTraffic, joinRfc } from './workload.js';

/**
 * One client process of the `peers` suite: opens `count` connections to 127.0.0.1:port from
 * the loopback source address `from` (127.0.0.2, …) and source ports `firstPort` up, each peer either registering `adds`
 * records (ADDs pipelined on connect, every answer checked byte for byte, so status 200) or,
 * with `adds` 0, only holding its socket (the bare-Node reference). Then it holds them all
 * until it is killed or its parent goes away.
 * Usage (via fork): peer-swarm-child.js <port> <from> <first port> <count> <first peer index> <adds>.
 *
 * The source port is chosen here, not by the kernel: a bind to port 0 on an address that
 * already holds thousands of sockets searches the port range for a free one each time, which
 * made the join of 19,000 peers take ~50 s of system time instead of a few seconds.
 * Reports once over IPC: { joined, refused, failed, wrong }.
 */
export interface SwarmReport {
  joined: number;
  refused: number;
  /** Connected, but closed before every answer arrived. */
  failed: number;
  /** Answered, but not byte for byte what the server had to say. */
  wrong: number;
}

const [port, from, firstPort, count, first, adds] = [Number(process.argv[2]), process.argv[3]!, ...process.argv.slice(4, 8).map(Number)] as [number, string, number, number, number, number];
/** Connects in flight at once: the server's accept queue (backlog 4096) must never overflow. */
const BATCH = 500;
const send = process.send?.bind(process);
if (send === undefined) throw new Error('peer-swarm-child must be started with an IPC channel (fork)');
process.on('disconnect', () => process.exit(0));

const held: Socket[] = [];
const report: SwarmReport = { joined: 0, refused: 0, failed: 0, wrong: 0 };

/** One peer: resolves when it has every answer (or has failed); its socket stays open. */
function peer(i: number, localPort: number): Promise<void> {
  const traffic = adds > 0 ? joinTraffic(i, adds, joinRfc) : null;
  return new Promise((resolve) => {
    const reader = traffic === null ? null : new ExactReader(traffic.answers);
    let connected = false;
    let settled = false;
    const settle = (outcome: keyof SwarmReport) => {
      if (settled) return;
      settled = true;
      report[outcome]++;
      resolve();
    };
    const socket = connect({ port, host: '127.0.0.1', localAddress: from, localPort, noDelay: true });
    held.push(socket);
    socket.on('connect', () => {
      connected = true;
      if (traffic === null) settle('joined');
      else socket.write(traffic.requests);
    });
    socket.on('data', (chunk: Buffer) => {
      if (reader === null) return;
      reader.push(chunk);
      if (reader.done) settle(reader.mismatchAt >= 0 ? 'wrong' : 'joined');
    });
    socket.on('error', () => {});
    socket.on('close', () => settle(connected ? 'failed' : 'refused'));
  });
}

for (let done = 0; done < count; ) {
  const k = Math.min(BATCH, count - done);
  await Promise.all(Array.from({ length: k }, (_, j) => peer(first + done + j, firstPort + done + j)));
  done += k;
}
send(report);
