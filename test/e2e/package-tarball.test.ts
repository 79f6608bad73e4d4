/**
 * The package as a user gets it: `npm pack`, then `npm install ./p2pci-<v>.tgz` into an empty
 * folder (dependencies from the npm cache: --prefer-offline), and from there `npx p2pci --help`,
 * `--version`, `demo`, the library example and its TypeScript types.
 *
 * Packed with --ignore-scripts: dist/ is already built by `npm test`'s pretest, and a prepack
 * rebuild would rewrite dist/ under the other test files running the CLI at the same time
 * (.ci/run runs the real `npm pack`, prepack included, after the tests).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/cli.js';
import { LIBRARY_EXAMPLE, runLibraryExample } from '../helpers/library-example.js';

const pkg = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
let work: string;
let app: string;
let packed: { filename: string; size: number; entryCount: number; files: Array<{ path: string }> };

/** npm's environment without the npm_* variables of the `npm test` that runs us (they would steer the child npm). */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_')));
}

async function run(command: string, args: string[], cwd: string, timeout = 60_000): Promise<{ stdout: string; stderr: string }> {
  try {
    return await promisify(execFile)(command, args, { cwd, timeout, env: cleanEnv(), maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    assert.fail(`${command} ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'p2pci-tarball-'));
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], REPO_ROOT);
  packed = (JSON.parse(stdout) as Array<typeof packed>)[0]!;
  app = join(work, 'app');
  await mkdir(app);
  await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', join(work, packed.filename)], app, 120_000);
});
after(async () => {
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

test('the tarball holds dist/ (JS + declarations), README, LICENSE and the demo RFCs only, under 1 MB', () => {
  const paths = packed.files.map((f) => f.path);
  assert.equal(packed.filename, `${pkg.name}-${pkg.version}.tgz`);
  assert.ok(packed.size < 1024 * 1024, `${packed.size} bytes packed`);
  for (const must of ['package.json', 'README.md', 'LICENSE', 'dist/src/lib/index.js', 'dist/src/lib/index.d.ts', 'dist/src/cli/main.js', 'demo/rfcs/rfc3.txt']) {
    assert.ok(paths.includes(must), `${must} is in the tarball`);
  }
  const unexpected = paths.filter((p) => !/^(package\.json|README\.md|LICENSE|demo\/rfcs\/rfc\d+\.txt|dist\/src\/.+\.(js|d\.ts))$/.test(p));
  assert.deepEqual(unexpected, [], 'nothing else: no sources, tests, fixtures, bench or source maps');
});

test('installed: npx p2pci --help and --version', { timeout: 30_000 }, async () => {
  const help = await run('npx', ['--no', '--', 'p2pci', '--help'], app);
  assert.match(help.stdout, /^Usage: p2pci \[options\] \[command\]/);
  for (const command of ['server', 'peer', 'lookup', 'list', 'get', 'demo']) assert.match(help.stdout, new RegExp(`^  ${command} `, 'm'));
  assert.equal((await run('npx', ['--no', '--', 'p2pci', '--version'], app)).stdout, `${pkg.version}\n`);
});

test('installed: npx p2pci demo runs with the packaged demo RFCs', { timeout: 60_000 }, async () => {
  const demo = await run('npx', ['--no', '--', 'p2pci', 'demo'], app);
  assert.equal((demo.stdout.match(/byte-exact/g) ?? []).length, 3, demo.stdout);
  assert.match(demo.stdout, /== done: cleaning up/);
});

test('installed: the library example runs, and its types check against the declarations', { timeout: 90_000 }, async () => {
  await copyFile(LIBRARY_EXAMPLE, join(app, 'library.mjs'));
  await runLibraryExample(join(app, 'library.mjs'), app);
  // A typed caller: strict tsc resolves 'p2pci' through exports to the shipped .d.ts, and the
  // @ts-expect-error line fails the check unless the declarations really reject a call without `dir`.
  await writeFile(join(app, 'check.ts'), [
    "import { startIndexServer, startPeer, MemoryStore, type RunningPeer, type IndexResponse } from 'p2pci';",
    "const index = await startIndexServer({ port: 0, store: new MemoryStore(), limits: { maxTitleLength: 100 } });",
    "const peer: RunningPeer = await startPeer({ dir: '.', server: `127.0.0.1:${index.address.port}` });",
    'const res: IndexResponse = await peer.lookup(1);',
    'const port: number = peer.uploadPort + res.records.length;',
    '// @ts-expect-error: dir is required',
    "await startPeer({ server: 'x' });",
    'export { port };',
  ].join('\n'));
  // skipLibCheck: @types/node itself needs no checking here (most of tsc's time); check.ts's use of ours is checked.
  await promisify(execFile)(process.execPath, [
    join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '--noEmit', '--strict', '--skipLibCheck', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext',
    '--typeRoots', join(REPO_ROOT, 'node_modules/@types'), '--types', 'node', 'check.ts',
  ], { cwd: app, timeout: 60_000 }).catch((e: { stdout?: string; message: string }) => assert.fail(`check.ts does not type-check: ${e.message}\n${e.stdout}`));
});
