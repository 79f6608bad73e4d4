import { Command } from 'commander';
import { copyFile, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IndexServer } from '../server/index-server.js';
import { MemoryStore } from '../index/memory-store.js';
import { Peer } from '../peer/peer.js';
import { formatDownload, formatIndexResponse } from './format.js';

/** The demo RFCs ship with the package in `demo/rfcs` (from src/cli or dist/src/cli). */
function demoRfcFolder(): string {
  for (const up of ['../../demo/rfcs', '../../../demo/rfcs']) {
    const dir = fileURLToPath(new URL(up, import.meta.url));
    if (existsSync(dir)) return dir;
  }
  throw new Error('demo/rfcs not found next to the installed package');
}

async function sha256(path: string): Promise<string> {
  // The demo's files are a few KB; reading them whole to hash is fine here.
  return createHash('sha256').update(await readFile(path)).digest('hex').slice(0, 16);
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('index server and three peers on 127.0.0.1 in temporary folders: lookups and downloads between them')
    .action(async () => {
      const cleanup: Array<() => Promise<unknown>> = [];
      try {
        await runDemo(cleanup);
      } catch (err) {
        process.stderr.write(`p2pci demo: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exitCode = 1;
      } finally {
        for (const step of cleanup.reverse()) await step().catch(() => {});
      }
    });
}

async function runDemo(cleanup: Array<() => Promise<unknown>>): Promise<void> {
  const say = (text: string) => console.log(text);
  const source = demoRfcFolder();
  const files = (await readdir(source)).filter((f) => /^rfc\d+\.txt$/.test(f)).sort((a, b) => parseInt(a.slice(3)) - parseInt(b.slice(3)));

  const server = new IndexServer({ store: new MemoryStore() });
  const { port } = await server.listen(0, '127.0.0.1');
  cleanup.push(() => server.close());
  say(`== index server listening on 127.0.0.1:${port}`);

  const names = ['A', 'B', 'C'];
  const peers: Peer[] = [];
  for (const [i, name] of names.entries()) {
    const dir = await mkdtemp(join(tmpdir(), `p2pci-demo-${name}-`));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const mine = files.filter((_, k) => k % names.length === i);
    for (const f of mine) await copyFile(join(source, f), join(dir, f));
    const peer = await Peer.start({ dir, server: { host: '127.0.0.1', port }, uploadHost: '127.0.0.1', advertiseHost: '127.0.0.1' });
    cleanup.push(() => peer.shutdown());
    peers.push(peer);
    const reg = await peer.registerFolder();
    say(`== peer ${name} (127.0.0.1:${peer.identity.port}, folder ${dir}) shares RFC ${reg.added.join(', ')}`);
  }
  const [a, b, c] = peers as [Peer, Peer, Peer];
  const label = (p: Peer) => names[peers.indexOf(p)]!;
  const rfcOf = (p: Peer, k = 0) => Number(files[peers.indexOf(p) + k * names.length]!.slice(3, -4));

  say('\n== peer A: 3 List All');
  say(formatIndexResponse(await a.list()));
  const wanted = rfcOf(a);
  say(`== peer C: 2 Look Up RFC ${wanted}`);
  say(formatIndexResponse(await c.lookup(wanted)));

  for (const [to, from] of [[c, a], [a, b], [b, c]] as Array<[Peer, Peer]>) {
    const rfc = rfcOf(from, 1);
    say(`== peer ${label(to)}: 4 Download RFC ${rfc} (only peer ${label(from)} has it)`);
    const d = await to.download(rfc);
    say(formatDownload(d));
    const [got, original] = [await sha256(d.path), await sha256(join(source, `rfc${rfc}.txt`))];
    say(`   sha256 ${got} ${got === original ? '= the original: byte-exact' : `!= the original ${original}`}`);
    if (got !== original) throw new Error(`RFC ${rfc} arrived altered`);
  }

  const both = rfcOf(a, 1);
  say(`\n== peer B: 2 Look Up RFC ${both} (A had it, C downloaded it)`);
  say(formatIndexResponse(await b.lookup(both)));

  say('== peer B: 5 Shut Down');
  await b.shutdown();
  say('== peer A: 3 List All (B\'s records are gone with its connection)');
  say(formatIndexResponse(await a.list()));
  say('== done: cleaning up the temporary folders');
}
