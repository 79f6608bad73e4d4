import { release, type } from 'node:os';

/** The OS header value (§3), e.g. `Linux 6.1.0`. */
export function osDescription(): string {
  return `${type()} ${release()}`;
}
