import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchRow } from './table.js';
import { ChildHandle } from './lib/child-handle.js';
import { sha256Of, writeTestFile } from './lib/bulk-files.js';
import { pipeDownload } from './lib/pipe-download.js';
import type { BenchConfig } from './lib/config.js';
import { downloadRfc } from '../src/peer/downloader.js';
import { ShareFolder } from '../src/peer/share-folder.js';

const MiB = 1024 * 1024;
const MB = 1e6;

/**
 * One batch: `run(slotDir)` for every concurrent slot at once; returns the seconds spent in
 * `run` only. `check(slotDir)` verifies each result afterwards, outside the clock.
 */
async function batch(root: string, concurrency: number, run: (dir: string) => Promise<void>, check: (dir: string) => Promise<void>): Promise<number> {
  const dirs = await Promise.all(Array.from({ length: concurrency }, () => mkdtemp(join(root, 'slot-'))));
  try {
    settleDisk();
    const start = performance.now();
    await Promise.all(dirs.map(run));
    const seconds = (performance.now() - start) / 1000;
    for (const dir of dirs) await check(dir);
    return seconds;
  } finally {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  }
}

/**
 * Flushes the page cache's dirty pages before a timed batch, so a batch doesn't pay for the
 * writeback of the one before it (both sides fsync; the disk is the shared bottleneck here).
 */
export function settleDisk(): void {
  try {
    execFileSync('sync', { stdio: 'ignore' });
  } catch {
    // No sync(1) on this system: figures are just noisier.
  }
}

function sizeLabel(bytes: number): string {
  return bytes >= 1024 * MiB ? `${bytes / (1024 * MiB)} GiB` : `${bytes / MiB} MiB`;
}

/**
 * GET throughput: the peer's own upload server (in a child process, RSS sampled) to the peer's
 * own downloader (temp file, fsync, rename), every body SHA-256-checked afterwards, against
 * a bare Node file→socket→file pipe with the same fsync. Test files live in a temp dir.
 */
export async function runGetBench(cfg: BenchConfig, log: (s: string) => void): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const root = await mkdtemp(join(tmpdir(), 'p2pci-bench-get-'));
  const shared = join(root, 'shared');
  await mkdir(shared);
  const uploader = await ChildHandle.uploader(shared);
  let peakGrowth = 0;
  let bareGrowth = 0;
  let peakAt = '';
  try {
    for (const [i, size] of cfg.getSizes.entries()) {
      const rfc = i + 1;
      const source = join(shared, `rfc${rfc}.txt`);
      log(`GET: writing a ${sizeLabel(size)} test file`);
      const digest = await writeTestFile(source, size);
      const bare = await ChildHandle.bare('file', source);
      try {
        for (const concurrency of cfg.getConcurrency) {
          const label = `${sizeLabel(size)} x ${concurrency}`;
          // Small transfers are repeated up to 64 MiB, so fixed costs and noise average out.
          // Gigabyte transfers run twice each, in turn (p2pci, bare, bare, p2pci): one run of
          // each swung ±30 % with the VM disk's writeback, so one sample was a coin toss.
          const repeats = size * concurrency >= 1024 * MiB ? 2 : Math.max(2, Math.min(cfg.quick ? 3 : 50, Math.floor((64 * MiB) / (size * concurrency))));
          const bytes = size * concurrency * repeats;
          log(`GET ${label}${repeats > 1 ? `, ${repeats} times` : ''}`);
          const peer = { host: '127.0.0.1', port: uploader.port };
          let wrong = 0;
          const folder = (dir: string) => new ShareFolder(dir);
          const p2Batch = () =>
            batch(
              root, concurrency,
              async (dir) => {
                const got = await downloadRfc(rfc, [peer], folder(dir), { os: 'bench', silenceMs: 60_000 });
                if (got.bytes !== size) wrong++;
              },
              async (dir) => {
                if ((await sha256Of(folder(dir).pathOf(rfc))) !== digest) wrong++;
              },
            );
          const bareBatch = () =>
            batch(
              root, concurrency,
              async (dir) => {
                const n = await pipeDownload(bare.port, join(dir, 'copy'));
                if (n !== size) throw new Error(`bare pipe moved ${n} of ${size} bytes`);
              },
              async (dir) => {
                if ((await stat(join(dir, 'copy'))).size !== size) throw new Error('bare pipe copy has the wrong size');
              },
            );
          let p2Seconds = 0;
          let bareSeconds = 0;
          await uploader.sampleStart();
          await bare.sampleStart();
          // Alternating which goes first, so neither always meets a warmer (or busier) disk.
          for (let r = 0; r < repeats; r++) {
            if (r % 2 === 0) {
              p2Seconds += await p2Batch();
              bareSeconds += await bareBatch();
            } else {
              bareSeconds += await bareBatch();
              p2Seconds += await p2Batch();
            }
          }
          const rss = await uploader.sampleStop();
          const bareRss = await bare.sampleStop();
          if (wrong > 0) throw new Error(`GET ${label}: ${wrong} downloads differ from the source (SHA-256)`);
          const rate = bytes / p2Seconds / MB;
          const bareRate = bytes / bareSeconds / MB;
          const growth = (rss.maxRss - rss.startRss) / MB;
          if (growth >= peakGrowth) {
            peakGrowth = growth;
            peakAt = label;
          }
          bareGrowth = Math.max(bareGrowth, (bareRss.maxRss - bareRss.startRss) / MB);
          rows.push({
            figure: `GET ${label}`, value: rate, unit: 'MB/s', reference: bareRate, referenceLabel: 'bare pipe', ratio: rate / bareRate,
            target: '>= 0.80 x bare pipe', pass: cfg.quick ? undefined : rate / bareRate >= 0.8,
            note: `${(bytes / MB).toFixed(0)} MB, SHA-256 checked; uploader RSS +${growth.toFixed(1)} MB`,
          });
        }
      } finally {
        await bare.stop();
        await rm(source, { force: true });
      }
    }
    rows.push({
      figure: 'GET uploader RSS growth (peak of all runs)', value: peakGrowth, unit: 'MB', reference: bareGrowth, referenceLabel: 'bare pipe',
      target: '< 50 MB (flat)', pass: cfg.quick ? undefined : peakGrowth < 50, note: `peak during GET ${peakAt}`,
    });
  } finally {
    await uploader.stop();
    await rm(root, { recursive: true, force: true });
  }
  return rows;
}
