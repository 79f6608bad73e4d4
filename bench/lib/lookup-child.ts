import { connect, type Socket } from 'node:net';
import { lookupRequest, probeAnswer, probeRfcs } from './workload.js';

/**
 * Another peer's LOOKUPs, in a process of its own so that its latency is the server's and not
 * that of a busy reader sharing its event loop (a reader of a LIST takes up to 32 reads of
 * 64 KiB per turn of its loop). Usage (via fork): lookup-child.js <port>. The parent sends
 * `start`, then `stop`; the child answers `stop` with the latencies (ms, sorted) of every
 * LOOKUP in between, one at a time, closed loop, each answer checked byte for byte.
 */
export type LookupChildCommand = { cmd: 'start' } | { cmd: 'stop' };
export type LookupChildReply = { started: true } | { latencies: number[] } | { error: string };

const port = Number(process.argv[2]);
const rfcs = probeRfcs();
const requests = rfcs.map(lookupRequest);
const answers = rfcs.map(probeAnswer);
const send = (r: LookupChildReply) => process.send!(r);

let socket: Socket | null = null;
let latencies: number[] = [];
let stopping = false;
let i = 0;
let sentAt = 0;
let parts: Buffer[] = [];
let got = 0;

function ask(): void {
  sentAt = performance.now();
  socket!.write(requests[i]!);
}

function onData(chunk: Buffer): void {
  parts.push(chunk);
  got += chunk.length;
  const want = answers[i]!;
  if (got < want.length) return;
  latencies.push(performance.now() - sentAt);
  const answer = Buffer.concat(parts);
  parts = [];
  got = 0;
  if (!answer.equals(want)) {
    send({ error: `wrong LOOKUP answer: ${JSON.stringify(answer.toString('latin1').slice(0, 120))}` });
    return;
  }
  if (stopping) {
    stopping = false;
    send({ latencies: latencies.sort((a, b) => a - b) });
    latencies = [];
    return;
  }
  i = (i + 1) % requests.length;
  ask();
}

process.on('message', (msg: LookupChildCommand) => {
  if (msg.cmd === 'stop') {
    stopping = true;
    return;
  }
  if (socket === null) {
    socket = connect({ port, host: '127.0.0.1', noDelay: true }, () => {
      send({ started: true });
      ask();
    });
    socket.on('data', onData);
    socket.on('error', (err) => send({ error: err.message }));
  } else {
    send({ started: true });
    ask();
  }
});
process.on('disconnect', () => process.exit(0));
