/**
 * `p2pci check` (issue 16): against p2pci itself every case passes, strict included; against
 * counterparts broken in one way each (test/helpers/check-counterparts/), exactly the cases
 * about that way fail, with a detail that says why; the reports and exit codes have their shape.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, killAllClis, REPO_ROOT } from '../helpers/cli.js';
import { startIndexServer, type RunningIndexServer } from '../helpers/net.js';
import { startProxy, type ProxyOptions, type RunningProxy } from '../helpers/check-counterparts/byte-proxy.js';
import { emptyList404, lfOnlyLines, textModeUploader } from '../helpers/check-counterparts/counterparts.js';
import { UploadServer } from '../../src/peer/upload-server.js';
import { ShareFolder } from '../../src/peer/share-folder.js';

/** rfc182.txt has CR LF line ends, form feeds and non-UTF-8 bytes: every byte case applies. */
const RFC = 182;
const FIXTURE = join(REPO_ROOT, 'test/fixtures/rfcs/rfc182.txt');
const STRICT_SERVER_CASES = ['2.9', '2.10', '2.11', '4.11', '6.13'];

interface JsonCase { id: string; section: string; description: string; result: string; detail?: string; sent?: string; received?: string; expected?: string; ms: number }
interface JsonReport { target: { kind: string; host: string; port: number }; strict: boolean; cases: JsonCase[]; totals: Record<string, number> }

let dir: string;
let index: RunningIndexServer;
let uploads: UploadServer;
const closers: Array<() => Promise<void>> = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'p2pci-check-'));
  await copyFile(FIXTURE, join(dir, `rfc${RFC}.txt`));
  index = await startIndexServer();
  uploads = new UploadServer({ folder: new ShareFolder(dir), os: 'TestOS 1.0' });
  await uploads.listen(0, '127.0.0.1');
}, { timeout: 10_000 });

after(async () => {
  await killAllClis();
  for (const close of closers) await close();
  await uploads.close();
  await index.close();
  await rm(dir, { recursive: true, force: true });
}, { timeout: 10_000 });

/** A fresh p2pci index server behind a proxy that breaks one rule. */
async function brokenServer(options: Omit<ProxyOptions, 'upstreamPort'>): Promise<{ proxy: RunningProxy; server: RunningIndexServer }> {
  const server = await startIndexServer();
  const proxy = await startProxy({ upstreamPort: server.port, ...options });
  closers.push(() => proxy.close(), () => server.close());
  return { proxy, server };
}

async function check(args: string[]): Promise<{ code: number | null; report: JsonReport; stderr: string }> {
  const out = await runCli(['check', ...args, '--json'], 60_000);
  return { code: out.code, report: JSON.parse(out.stdout) as JsonReport, stderr: out.stderr };
}

const ids = (r: JsonReport, result: string) => r.cases.filter((c) => c.result === result).map((c) => c.id);
/** On a mismatch, the failing cases' details: a failure under load must say which case and why. */
const failures = (r: JsonReport) => JSON.stringify(r.cases.filter((c) => c.result === 'fail'), null, 1);
const caseOf = (r: JsonReport, id: string) => r.cases.find((c) => c.id === id)!;

/** Resolves once the index holds no peer: the checker left it as it found it. */
async function indexEmptied(srv: RunningIndexServer): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`index still holds ${JSON.stringify(srv.store.counts())}`)), 5000);
    const look = async () => {
      const c = await srv.store.counts();
      if (c.peers === 0 && c.records === 0) {
        clearTimeout(timer);
        srv.server.off('disconnect', look);
        resolve();
      }
    };
    srv.server.on('disconnect', look);
    void look();
  });
}

test('check server against p2pci: every case passes, strict included, and the index is left empty', { timeout: 60_000 }, async () => {
  const out = await runCli(['check', 'server', `127.0.0.1:${index.port}`, '--strict'], 60_000);
  assert.equal(out.code, 0, out.stdout);
  assert.doesNotMatch(out.stdout, /\x1b\[/, 'no colour when stdout is not a terminal');
  const m = /^(\d+) cases: (\d+) passed, 0 failed, 0 warnings, 0 skipped/m.exec(out.stdout);
  assert.ok(m !== null && m[1] === m[2], out.stdout);
  for (const s of ['§2', '§4', '§5', '§6']) assert.match(out.stdout, new RegExp(`^${s} `, 'm'));
  assert.match(out.stdout, /^ {2}✓ 6\.2\.1 +ADD without the empty line/m);
  await indexEmptied(index);
});

test('check peer against p2pci with --file: every case passes, strict included, none skipped', { timeout: 60_000 }, async () => {
  const { code, report } = await check(['peer', `127.0.0.1:${uploads.port}`, '--rfc', String(RFC), '--file', join(dir, `rfc${RFC}.txt`), '--strict']);
  assert.equal(code, 0, JSON.stringify(report.cases.filter((c) => c.result !== 'pass')));
  assert.equal(report.totals.pass, report.cases.length);
  assert.ok(report.cases.some((c) => c.id === '3.10'), 'the strict head case ran');
  assert.deepEqual([...new Set(report.cases.map((c) => c.section))], ['3', '4', '6']);
});

test('--json: one object with target, cases (id, section, result) and totals; strict cases only with --strict', { timeout: 60_000 }, async () => {
  const { code, report } = await check(['server', `127.0.0.1:${index.port}`]);
  assert.equal(code, 0);
  assert.deepEqual(report.target, { kind: 'server', host: '127.0.0.1', port: index.port });
  assert.equal(report.strict, false);
  for (const c of report.cases) {
    assert.match(c.id, /^\d+(\.\d+)+$/);
    assert.equal(c.id.split('.')[0], c.section);
    assert.ok(['pass', 'fail', 'warn', 'skip'].includes(c.result));
    assert.equal(typeof c.description, 'string');
  }
  const t = report.totals;
  assert.equal(t.total, report.cases.length);
  assert.equal(t.pass! + t.fail! + t.warn! + t.skip!, t.total);
  for (const id of STRICT_SERVER_CASES) assert.equal(report.cases.some((c) => c.id === id), false, `${id} is strict-only`);
});

test('--junit: JUnit XML with one testsuite per section and one testcase per case; a failure carries its detail', { timeout: 60_000 }, async () => {
  const { proxy } = await brokenServer({ rewrite: emptyList404 });
  const file = join(dir, 'report.xml');
  const out = await runCli(['check', 'server', `127.0.0.1:${proxy.port}`, '--junit', file], 60_000);
  assert.equal(out.code, 1, out.stdout);
  const xml = await readFile(file, 'utf8');
  assert.match(xml, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="p2pci check server 127\.0\.0\.1:\d+" tests="(\d+)" failures="1" skipped="0"/);
  const total = Number(/tests="(\d+)"/.exec(xml)![1]);
  assert.equal(xml.match(/<testcase /g)?.length, total);
  assert.equal(xml.match(/<testsuite /g)?.length, 4);
  assert.match(xml, /<testcase classname="p2pci\.check\.server\.2" name="2\.1 LIST on an empty index[^"]*" time="[\d.]+">\n\s+<failure message="answered 404 Not Found" type="nonconformance">answered 404 Not Found\nsent: {5}&quot;LIST ALL P2P-CI\/1\.0\\r\\n/);
  assert.equal(xml.match(/<\/testsuites>\n$/)?.length, 1);
});

test('an answerer with LF-only lines: warnings by default (exit 0); with --strict exactly the exact-bytes cases fail', { timeout: 60_000 }, async () => {
  const { proxy } = await brokenServer({ rewrite: lfOnlyLines });
  const tolerant = await check(['server', `127.0.0.1:${proxy.port}`]);
  assert.equal(tolerant.code, 0);
  assert.deepEqual(ids(tolerant.report, 'fail'), [], failures(tolerant.report));
  assert.ok(ids(tolerant.report, 'warn').includes('2.2'));
  assert.match(caseOf(tolerant.report, '2.2').detail!, /answer bytes differ from §2 at byte 17: expected "\\r\\n/);
  const strict = await check(['server', `127.0.0.1:${proxy.port}`, '--strict']);
  assert.equal(strict.code, 1);
  assert.deepEqual(ids(strict.report, 'fail'), STRICT_SERVER_CASES, failures(strict.report));
  assert.match(caseOf(strict.report, '6.13').received!, /^"P2P-CI\/1\.0 200 OK\\n\\nRFC /);
  assert.match(caseOf(strict.report, '6.13').expected!, /^"P2P-CI\/1\.0 200 OK\\r\\n\\r\\nRFC /);
});

test('a server that never cleans up: exactly the §5 cleanup cases fail, saying the record is still listed', { timeout: 60_000 }, async () => {
  const { proxy } = await brokenServer({ keepUpstream: true });
  const { code, report } = await check(['server', `127.0.0.1:${proxy.port}`, '--strict']);
  assert.equal(code, 1);
  assert.deepEqual(ids(report, 'fail'), ['5.1', '5.2', '5.3'], failures(report));
  assert.match(caseOf(report, '5.1').detail!, /^RFC \d{9} Leaving Peer check-[0-9a-f]+-\d+\.invalid \d+ is still listed after its connection was closed cleanly \(FIN\)$/);
  assert.match(caseOf(report, '5.2').detail!, /closed by reset \(RST\)$/);
  assert.match(caseOf(report, '5.1').expected!, /removes every record it added/);
});

test('a server that answers 404 to LIST of an empty index: exactly 2.1 fails', { timeout: 60_000 }, async () => {
  const { proxy } = await brokenServer({ rewrite: emptyList404 });
  const { code, report } = await check(['server', `127.0.0.1:${proxy.port}`, '--strict']);
  assert.equal(code, 1);
  assert.deepEqual(ids(report, 'fail'), ['2.1'], failures(report));
  const c = caseOf(report, '2.1');
  assert.equal(c.detail, 'answered 404 Not Found');
  assert.equal(c.received, '"P2P-CI/1.0 404 Not Found\\r\\n\\r\\n\\r\\n"');
  assert.match(c.expected!, /^200 OK \(§2: LIST answers 200/);
});

test('an uploader that converts line ends: exactly the byte-exact and CR LF cases fail', { timeout: 60_000 }, async () => {
  const proxy = await startProxy({ upstreamPort: uploads.port, rewrite: textModeUploader });
  closers.push(() => proxy.close());
  const { code, report } = await check(['peer', `127.0.0.1:${proxy.port}`, '--rfc', String(RFC), '--file', join(dir, `rfc${RFC}.txt`), '--strict']);
  assert.equal(code, 1);
  assert.deepEqual(ids(report, 'fail'), ['3.2', '3.3'], failures(report));
  assert.match(caseOf(report, '3.2').detail!, /^2565 bytes for a 2624-byte file, at byte \d+: expected "\\r\\n/);
  assert.match(caseOf(report, '3.3').detail!, /^the file has 59 CR LF, the body 0;/);
});

test('exit 2 when the target cannot be reached; --only picks cases and the cases under them', { timeout: 60_000 }, async () => {
  const gone = await startIndexServer();
  const port = gone.port;
  await gone.close();
  const out = await runCli(['check', 'server', `127.0.0.1:${port}`], 20_000);
  assert.equal(out.code, 2);
  assert.match(out.stderr, /^p2pci: cannot reach 127\.0\.0\.1:\d+: ECONNREFUSED$/m);
  const only = await check(['server', `127.0.0.1:${index.port}`, '--only', '6.2,2.1']);
  assert.equal(only.code, 0);
  assert.deepEqual(only.report.cases.map((c) => c.id), ['2.1', '6.2.1', '6.2.2', '6.2.3', '6.2.4']);
  const bad = await runCli(['check', 'peer', `127.0.0.1:${uploads.port}`], 20_000);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /--rfc/);
});
