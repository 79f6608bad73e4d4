import { SingleBar, Presets } from 'cli-progress';
import type { SwarmProgress } from '../peer/swarm/swarm-run.js';

/**
 * The download bar on a terminal: bytes of the whole file, rate since the start, and how many
 * sources are fetching. Nothing at all when `stream` is not a terminal (scripts, --json).
 */
export function downloadBar(rfc: number, stream: NodeJS.WriteStream): { progress(p: SwarmProgress): void; stop(): void } {
  if (!stream.isTTY) return { progress: () => {}, stop: () => {} };
  const bar = new SingleBar({
    format: `RFC ${rfc} [{bar}] {percentage}% {value}/{total} bytes | {rate} MB/s | {sources} sources`,
    stream, hideCursor: true,
  }, Presets.shades_classic);
  let started = 0;
  let first = 0;
  return {
    progress(p) {
      const now = performance.now();
      if (started === 0) {
        started = now;
        first = p.bytes; // resumed bytes don't count toward the rate
        bar.start(p.total, p.bytes, { rate: '0.0', sources: p.activeSources });
      }
      const rate = now > started ? (p.bytes - first) / ((now - started) * 1000) : 0;
      bar.update(p.bytes, { rate: rate.toFixed(1), sources: p.activeSources });
    },
    stop() {
      if (started !== 0) bar.stop();
    },
  };
}
