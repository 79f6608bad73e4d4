import { readFile } from 'node:fs/promises';

/** One node of a V8 `.cpuprofile` (what `node --cpu-prof` writes). */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

export interface DashboardShare {
  /** Milliseconds of the profile looked at (its end, where the load ran). */
  windowMs: number;
  /** Samples in which the process was running JavaScript or native code (not idle). */
  busySamples: number;
  /** Of those, samples with a dashboard frame anywhere on the stack (inclusive time). */
  dashboardSamples: number;
  percent: number;
  /** Dashboard CPU time per second of the window, in ms. */
  msPerSecond: number;
}

/**
 * Is this frame the dashboard's? Our observe/ code except the console log (which runs without
 * --http too), prom-client, and Node's HTTP server. Counted inclusively — a sample whose stack
 * holds such a frame anywhere is the dashboard's — so what it calls (Date.now, Map.set) counts.
 */
function isDashboardFrame(url: string): boolean {
  return (url.includes('/observe/') && !url.includes('console-log')) || url.includes('/prom-client/') || url.startsWith('node:_http_') || url.startsWith('node:http');
}

/**
 * The share of a server's CPU samples spent in dashboard code during the last `windowMs` of
 * its profile (the process exits right after the load, so its start-up — module loading — is
 * left out). Unlike a throughput ratio, this share hardly moves when other processes compete
 * for the machine's cores.
 */
export async function dashboardShare(profilePath: string, windowMs: number): Promise<DashboardShare> {
  const profile = JSON.parse(await readFile(profilePath, 'utf8')) as {
    nodes: ProfileNode[];
    samples: number[];
    timeDeltas: number[];
    endTime: number;
    startTime: number;
  };
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of profile.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const verdict = new Map<number, boolean>();
  const inDashboard = (id: number): boolean => {
    const known = verdict.get(id);
    if (known !== undefined) return known;
    const node = byId.get(id)!;
    const up = parent.get(id);
    const v = isDashboardFrame(node.callFrame.url) || (up !== undefined && inDashboard(up));
    verdict.set(id, v);
    return v;
  };
  let busySamples = 0;
  let dashboardSamples = 0;
  let samples = 0;
  const from = profile.endTime - windowMs * 1000;
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    if (t < from) continue;
    samples++;
    const id = profile.samples[i]!;
    const name = byId.get(id)?.callFrame.functionName;
    if (name === '(idle)') continue;
    busySamples++;
    if (inDashboard(id)) dashboardSamples++;
  }
  const msPerSample = samples === 0 ? 0 : windowMs / samples;
  return {
    windowMs,
    busySamples,
    dashboardSamples,
    percent: busySamples === 0 ? 0 : (100 * dashboardSamples) / busySamples,
    msPerSecond: (dashboardSamples * msPerSample) / (windowMs / 1000),
  };
}
