import type { Socket } from 'node:net';
import { connectMany, closeAll } from './clients.js';

export interface LookupLoadOptions {
  port: number;
  clients: number;
  /** Requests in rotation; client c starts at a different place in the list. */
  requests: readonly Buffer[];
  /** The exact answer to requests[i], or null to check only its length (bare reference). */
  answers: readonly Buffer[] | null;
  answerLength: number;
  warmupMs: number;
  durationMs: number;
}

export interface LookupLoadResult {
  /** Answers completed inside the measured window. */
  answered: number;
  /** Every answer of the run, warm-up included (for CPU per answer). Optional: other benches build these too. */
  completed?: number;
  rate: number;
  /** Latency of every measured answer, sorted, in milliseconds. */
  latencies: Float64Array;
  wrongAnswers: number;
}

/**
 * Closed loop: each client sends one LOOKUP, waits for its whole answer, and sends the next
 * at once. No timer paces anything; the clock only decides which answers are counted.
 */
export async function lookupLoad(o: LookupLoadOptions): Promise<LookupLoadResult> {
  const sockets = await connectMany(o.port, o.clients);
  const latencies = new Float64Array(4_000_000);
  let answered = 0;
  let completed = 0;
  let wrong = 0;
  const start = performance.now();
  const measureFrom = start + o.warmupMs;
  const measureTo = measureFrom + o.durationMs;
  try {
    await Promise.all(sockets.map((s, c) => runClient(s, c)));
  } finally {
    await closeAll(sockets);
  }
  const lat = latencies.slice(0, Math.min(answered, latencies.length)).sort();
  return { answered, completed, rate: answered / (o.durationMs / 1000), latencies: lat, wrongAnswers: wrong };

  function runClient(socket: Socket, c: number): Promise<void> {
    return new Promise((resolve, reject) => {
      let i = (c * 7919) % o.requests.length;
      let sentAt = 0;
      let got = 0;
      let parts: Buffer[] = [];
      const send = () => {
        sentAt = performance.now();
        socket.write(o.requests[i]!);
      };
      socket.on('data', (chunk: Buffer) => {
        got += chunk.length;
        if (got < o.answerLength) {
          parts.push(chunk);
          return;
        }
        const now = performance.now();
        const answer = parts.length === 0 ? chunk : Buffer.concat([...parts, chunk]);
        parts = [];
        got = 0;
        completed++;
        if (answer.length !== o.answerLength || (o.answers !== null && !answer.equals(o.answers[i]!))) wrong++;
        if (now >= measureFrom && now <= measureTo) {
          if (answered < latencies.length) latencies[answered] = now - sentAt;
          answered++;
        }
        if (now > measureTo) {
          socket.off('close', onClose);
          resolve();
          return;
        }
        i = (i + 1) % o.requests.length;
        send();
      });
      const onClose = () => reject(new Error('server closed a LOOKUP client connection'));
      socket.on('close', onClose);
      send();
    });
  }
}

export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
