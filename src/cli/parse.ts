import { InvalidArgumentError } from 'commander';
import { parseServerAddress } from '../lib/start-peer.js';

/** Commander argument parsers: a bad value is a one-line error and a non-zero exit. */
export function integer(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError(`expected a whole number, got "${value}"`);
    const n = Number(value);
    if (n < min || n > max) throw new InvalidArgumentError(`expected ${min} to ${max}, got ${n}`);
    return n;
  };
}

export const portNumber = integer(0, 65535);

export function rfcNumber(value: string): number {
  if (!/^\d{1,9}$/.test(value.trim())) throw new InvalidArgumentError(`RFC number must be 1 to 9 digits, got "${value}"`);
  return Number(value);
}

/** `host:port`, `[v6]:port`, or just `host` (port `defaultPort`). */
export function hostPort(defaultPort: number) {
  return (value: string): { host: string; port: number } => {
    try {
      return parseServerAddress(value, defaultPort);
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message);
    }
  };
}

const RATE = /^(\d+(?:\.\d+)?)([kmg])?$/i;
const RATE_UNITS: Readonly<Record<string, number>> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** Bytes per second: `500000`, `512K`, `20M`, `1.5G` (powers of 1024, like aria2's limits). */
export function byteRate(value: string): number {
  const m = RATE.exec(value.trim());
  const n = m === null ? NaN : Math.floor(Number(m[1]) * RATE_UNITS[(m[2] ?? '').toLowerCase()]!);
  if (!(n >= 1) || !Number.isSafeInteger(n)) throw new InvalidArgumentError(`expected bytes per second like 500K, 20M or 1G, got "${value}"`);
  return n;
}
