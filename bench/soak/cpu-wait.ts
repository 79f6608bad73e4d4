import { readFileSync } from 'node:fs';

/**
 * Time a process spent runnable but waiting for a CPU (the second field of
 * /proc/<pid>/schedstat, in ns; its main thread). On a machine loaded by other work a
 * request can take long only because its server (or Redis, or the soak itself) was not
 * scheduled; that time is not the product's, so it is not counted against the 1 s bound.
 */
export function runQueueWaitMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(/\s+/);
    return Number(fields[1] ?? 0) / 1e6;
  } catch {
    return 0;
  }
}

/** Sum of the run-queue waits of `pids` from now until the returned function is called. */
export function measureCpuWait(pids: readonly number[]): () => number {
  const before = pids.map(runQueueWaitMs);
  return () => pids.reduce((sum, pid, i) => sum + Math.max(0, runQueueWaitMs(pid) - before[i]!), 0);
}
