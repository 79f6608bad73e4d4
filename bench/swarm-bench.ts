import { fork } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchRow } from './table.js';
import type { BenchConfig } from './lib/config.js';
import { ChildHandle } from './lib/child-handle.js';
import { sha256Of, writeTestFile } from './lib/bulk-files.js';
import { pipeDownload } from './lib/pipe-download.js';
import { fakeSource } from './lib/fake-sources.js';
import { settleDisk } from './get-bench.js';
import { downloadRfc } from '../src/peer/downloader.js';
import { ShareFolder } from '../src/peer/share-folder.js';
import { UploadServer } from '../src/peer/upload-server.js';
import { swarmDownload, type SwarmResult } from '../src/peer/swarm/swarm-download.js';
import { requestRange } from '../src/peer/swarm/range-request.js';
import type { PeerAddress } from '../src/protocol/index.js';

const MiB = 1024 * 1024;
const MB = 1e6;
const REQUEST = { os: 'bench', connectTimeoutMs: 5000, silenceMs: 60_000 };

/**
 * Swarm downloads (issue 13), each figure next to its reference from the same run: 4 peers at
 * --upload-limit against --max-sources 1 on the same peers; 1 GiB from 4 unlimited local
 * peers against the bare file → socket → file pipe of the GET rows; a get SIGKILLed at half,
 * then resumed; a lying source among three honest ones, run after run. Uploaders are the
 * peer's UploadServer in child processes; each is asked for its digest once before the clock
 * starts, as a running peer that has served the file before would have it cached.
 */
export async function runSwarmBench(cfg: BenchConfig, log: (s: string) => void): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const root = await mkdtemp(join(tmpdir(), 'p2pci-bench-swarm-'));
  const shared = join(root, 'shared');
  await mkdir(shared);
  const children: ChildHandle[] = [];
  const inProcess: UploadServer[] = [];
  // --quick (a smoke run inside npm test) keeps its uploaders in this process: eight node
  // start-ups took most of its time on a loaded machine. The full run gives each its own.
  const start = async (n: number, uploadLimit?: number): Promise<PeerAddress[]> => {
    if (cfg.quick) {
      const servers = Array.from({ length: n }, () => new UploadServer({ folder: new ShareFolder(shared), os: 'bench', uploadLimit }));
      inProcess.push(...servers);
      return Promise.all(servers.map(async (s) => ({ host: '127.0.0.1', port: (await s.listen(0, '127.0.0.1')).port })));
    }
    const started = await Promise.all(Array.from({ length: n }, () => ChildHandle.uploader(shared, uploadLimit)));
    children.push(...started);
    return started.map((c) => ({ host: '127.0.0.1', port: c.port }));
  };
  try {
    const limited = cfg.swarmLimitedBytes;
    log(`swarm: writing a ${limited / MiB} MiB test file, 4 peers at --upload-limit ${cfg.swarmUploadLimit / MiB}M`);
    const limitedSha = await writeTestFile(join(shared, 'rfc1.txt'), limited);
    const slow = await start(4, cfg.swarmUploadLimit);
    await warm(slow, 1);
    const one = await timed(root, (dir) => downloadRfc(1, [slow[0]!], new ShareFolder(dir), { os: 'bench', silenceMs: 60_000 }).then(() => {}), 1, limitedSha);
    const four = await timed(root, (dir) => swarmDownload(1, slow, new ShareFolder(dir), { ...REQUEST, maxSources: 4 }).then(() => {}), 1, limitedSha);
    const [r1, r4] = [limited / one / MB, limited / four / MB];
    rows.push({
      figure: `swarm ${limited / MiB} MiB, 4 sources at --upload-limit ${cfg.swarmUploadLimit / MiB}M`, value: r4, unit: 'MB/s',
      reference: r1, referenceLabel: '--max-sources 1', ratio: r4 / r1, target: '>= 3.4 x --max-sources 1',
      pass: cfg.quick ? undefined : r4 / r1 >= 3.4, note: 'SHA-256 checked',
    });
    rows.push(await resumeRow(root, slow, limited, limitedSha, cfg, log));

    const big = cfg.swarmBigBytes;
    log(`swarm: writing a ${big / MiB} MiB test file, 4 unlimited peers`);
    const bigSha = await writeTestFile(join(shared, 'rfc2.txt'), big);
    const fast = await start(4);
    await warm(fast, 2);
    const bare = await ChildHandle.bare('file', join(shared, 'rfc2.txt'));
    children.push(bare);
    let [swarmSeconds, bareSeconds] = [0, 0];
    const swarmRun = () => timed(root, (dir) => swarmDownload(2, fast, new ShareFolder(dir), { ...REQUEST, maxSources: 4 }).then(() => {}), 2, bigSha);
    const bareRun = () => timed(root, async (dir) => {
      if ((await pipeDownload(bare.port, join(dir, 'copy'))) !== big) throw new Error('bare pipe moved the wrong byte count');
    });
    // Twice each, in turn, as the gigabyte GET rows: one sample swings with the disk's writeback.
    for (let r = 0; r < 2; r++) {
      log(`swarm: ${big / MiB} MiB from 4 sources and through the bare pipe, round ${r + 1}`);
      if (r === 0) [swarmSeconds, bareSeconds] = [swarmSeconds + (await swarmRun()), bareSeconds + (await bareRun())];
      else [bareSeconds, swarmSeconds] = [bareSeconds + (await bareRun()), swarmSeconds + (await swarmRun())];
    }
    const [rs, rb] = [(2 * big) / swarmSeconds / MB, (2 * big) / bareSeconds / MB];
    rows.push({
      figure: `swarm ${big / MiB} MiB from 4 unlimited local sources`, value: rs, unit: 'MB/s', reference: rb, referenceLabel: 'bare pipe',
      ratio: rs / rb, target: '>= 0.80 x bare pipe', pass: cfg.quick ? undefined : rs / rb >= 0.8, note: 'SHA-256 checked, 2 runs each',
    });
    rows.push(await liarRow(root, shared, fast.slice(0, 3), cfg, log));
  } finally {
    await Promise.all([...children.map((c) => c.stop()), ...inProcess.map((s) => s.close())]);
    await rm(root, { recursive: true, force: true });
  }
  return rows;
}

/** Each uploader hashes the file once (Repr-Digest cache) before anything is timed. */
async function warm(peers: readonly PeerAddress[], rfc: number): Promise<void> {
  await Promise.all(peers.map(async (p) => {
    const a = await requestRange(p, rfc, 0, 0, REQUEST);
    if (a.kind !== 'unsatisfiable') a.socket.destroy();
  }));
}

/** Seconds `run` takes into a fresh folder (disk settled first); the result's SHA-256 checked after. */
async function timed(root: string, run: (dir: string) => Promise<void>, rfc?: number, sha?: string): Promise<number> {
  const dir = await mkdtemp(join(root, 'get-'));
  try {
    settleDisk();
    const t = performance.now();
    await run(dir);
    const seconds = (performance.now() - t) / 1000;
    if (rfc !== undefined && (await sha256Of(join(dir, `rfc${rfc}.txt`))) !== sha) throw new Error(`RFC ${rfc} arrived altered`);
    return seconds;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A get (in a child) SIGKILLed once half the file is on disk, then a second get into the same folder. */
async function resumeRow(root: string, peers: readonly PeerAddress[], size: number, sha: string, cfg: BenchConfig, log: (s: string) => void): Promise<BenchRow> {
  log('swarm: a get SIGKILLed at half, then resumed');
  const dir = await mkdtemp(join(root, 'resume-'));
  const script = fileURLToPath(new URL('./lib/swarm-get-child.js', import.meta.url));
  const child = fork(script, ['1', dir, ...peers.map((p) => String(p.port))], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let killedAt = 0;
  await new Promise<void>((resolve, reject) => {
    child.on('message', (m: { bytes?: number; total?: number; done?: boolean }) => {
      if (m.done === true) reject(new Error('the get finished before it could be killed'));
      if (m.bytes !== undefined && m.bytes >= size / 2 && killedAt === 0) {
        killedAt = m.bytes;
        child.kill('SIGKILL');
      }
    });
    child.on('exit', () => (killedAt > 0 ? resolve() : reject(new Error('the get exited on its own'))));
  });
  const second: SwarmResult = await swarmDownload(1, peers, new ShareFolder(dir), { ...REQUEST, maxSources: 4 });
  const exact = (await sha256Of(second.path)) === sha && (await stat(second.path)).size === size;
  await rm(dir, { recursive: true, force: true });
  const transferred = second.sources.reduce((n, s) => n + s.bytes, 0) / size;
  return {
    figure: `swarm resume: share of the file the second get transfers`, value: transferred * 100, unit: '%',
    target: '<= 55 %, byte-exact', pass: cfg.quick ? undefined : transferred <= 0.55 && exact,
    note: `killed at ${((killedAt / size) * 100).toFixed(1)} % on disk; resumed from ${((second.resumedFrom / size) * 100).toFixed(1)} %; ${exact ? 'byte-exact' : 'NOT byte-exact'}`,
  };
}

/** A liar (right length, wrong bytes, right digest) listed first among three honest peers, `liarRuns` times. */
async function liarRow(root: string, shared: string, honest: readonly PeerAddress[], cfg: BenchConfig, log: (s: string) => void): Promise<BenchRow> {
  log(`swarm: a lying source among 3 honest ones, ${cfg.liarRuns} runs`);
  const sha = await writeTestFile(join(shared, 'rfc3.txt'), cfg.liarBytes);
  const liar = await fakeSource('liar', await readFile(join(shared, 'rfc3.txt')));
  let good = 0;
  const problems: string[] = [];
  try {
    await warm(honest, 3);
    for (let run = 0; run < cfg.liarRuns; run++) {
      const dir = await mkdtemp(join(root, 'liar-'));
      try {
        const r = await swarmDownload(3, [{ host: '127.0.0.1', port: liar.port }, ...honest], new ShareFolder(dir), { ...REQUEST, maxSources: 4 });
        const named = r.sources[0]!.dropped === true && /^sent wrong bytes/.test(r.sources[0]!.reason ?? '');
        const othersKept = r.sources.slice(1).every((s) => s.dropped === undefined);
        if ((await sha256Of(r.path)) === sha && named && othersKept) good++;
        else problems.push(`run ${run + 1}: ${JSON.stringify(r.sources)}`);
      } catch (err) {
        problems.push(`run ${run + 1}: ${(err as Error).message}`);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
  } finally {
    await liar.close();
  }
  return {
    figure: `swarm with a lying source among 3 honest ones (${cfg.liarBytes / MiB} MiB)`, value: good, unit: `of ${cfg.liarRuns}`,
    target: 'all runs byte-exact, liar named', pass: cfg.quick ? undefined : good === cfg.liarRuns,
    note: problems.length === 0 ? 'byte-exact and the liar dropped by name every run' : problems.slice(0, 2).join('; '),
  };
}
