import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat, copyFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Socket } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { encodeLookup } from '../../src/protocol/index.js';
import { startCli, killAllClis, REPO_ROOT } from '../helpers/cli.js';
import { findTool, skipWithout, toolCommand } from '../helpers/optional-tools.js';
import { readUntil, endsWithText, waitForClose, registeredPeer } from '../helpers/net.js';

/** Debian's chromium (what .ci/run installs); P2PCI_CHROMIUM points elsewhere on other systems. */
const CHROMIUM = findTool('chromium') ?? toolCommand('chromium');
const skip = skipWithout('chromium', 'the real-browser dashboard test (test/e2e/dashboard-browser.test.ts)');
const EVIL_TITLE = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">';
const WAIT = { timeout: 15_000 };

const sockets: Socket[] = [];
after(async () => {
  for (const s of sockets) s.destroy();
  await killAllClis();
});

async function peer(port: number, host: string, uploadPort: number, adds: Array<[number, string]>): Promise<Socket> {
  const s = await registeredPeer(port, host, uploadPort, adds);
  sockets.push(s);
  return s;
}

const peerRow = (page: Page, host: string) => page.locator('#peers tbody tr', { hasText: host });

test('the dashboard in a real browser: peers live, search, a peer leaving, escaped titles', { timeout: 120_000, skip }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'p2pci-dashboard-'));
  const cli = startCli(['server', '--port', '0', '--host', '127.0.0.1', '--http', '0']);
  let browser: Browser | null = null;
  try {
    const indexPort = Number((await cli.waitForLine(/listening on [^ ]+:(\d+)/))[1]);
    const url = (await cli.waitForLine(/^dashboard on (http:\/\/127\.0\.0\.1:\d+\/)$/))[1]!;

    const alpha = await peer(indexPort, 'alpha.example', 5001, [[791, 'Internet Protocol'], [2616, 'Hypertext Transfer Protocol -- HTTP/1.1']]);
    await peer(indexPort, 'beta.example', 5002, [[791, 'Internet Protocol'], [6666, EVIL_TITLE]]);
    alpha.write(encodeLookup(791, 'Internet Protocol', { host: 'alpha.example', port: 5001 }));
    await readUntil(alpha, endsWithText('\r\n\r\n'));

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      timeout: 60_000,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    // bypassCSP: the test's own page.waitForFunction strings need eval, which the page's CSP
    // forbids; it also proves the escaping holds by itself, without CSP as a second wall.
    const page = await browser.newPage({ viewport: { width: 1200, height: 1000 }, bypassCSP: true });
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(url);

    // The peer count and a peer's row appear.
    await page.waitForFunction("document.getElementById('peer-count').textContent === '2'", null, WAIT);
    await peerRow(page, 'alpha.example').waitFor(WAIT);
    assert.deepEqual(await peerRow(page, 'alpha.example').locator('td').allTextContents().then((c) => c.slice(0, 4)), ['alpha.example', '5001', '2', '3']);
    await page.evaluate('window.__sameDocument = true');

    // A new peer shows up without a reload.
    await peer(indexPort, 'delta.example', 5004, [[1, 'Host Software']]);
    await peerRow(page, 'delta.example').waitFor(WAIT);
    await page.waitForFunction("document.getElementById('peer-count').textContent === '3'", null, WAIT);
    assert.equal(await page.evaluate('window.__sameDocument'), true, 'no reload happened');

    // The search finds an RFC's holders.
    await page.fill('#search-rfc', '791');
    await page.click('#search-form button');
    const results = page.locator('#search-results tbody tr');
    await page.locator('#search-results').waitFor({ state: 'visible', ...WAIT });
    assert.deepEqual((await results.allTextContents()).sort(), ['791Internet Protocolalpha.example5001', '791Internet Protocolbeta.example5002']);
    assert.match((await page.textContent('#search-status'))!, /RFC 791: 2 peers have it/);
    await page.fill('#search-rfc', '4242');
    await page.click('#search-form button');
    await page.waitForFunction("/No connected peer has RFC 4242/.test(document.getElementById('search-status').textContent)", null, WAIT);

    // A <script> title is shown as text, in the search results and in "most shared".
    await page.fill('#search-rfc', '6666');
    await page.click('#search-form button');
    await page.locator('#search-results tbody tr', { hasText: 'beta.example' }).waitFor(WAIT);
    assert.equal(await page.locator('#search-results tbody td').nth(1).textContent(), EVIL_TITLE);
    await page.locator('#top-shared tbody tr', { hasText: '6666' }).waitFor(WAIT);
    assert.equal(await page.locator('#top-shared tbody tr', { hasText: '6666' }).locator('td').nth(1).textContent(), EVIL_TITLE);
    assert.equal(await page.evaluate('document.querySelectorAll("main script, main img").length'), 0, 'no element was made from a title');
    assert.equal(await page.evaluate('window.__pwned'), undefined, 'the title did not run');

    // The chart and the recent requests are drawn from the traffic.
    await page.locator('#recent tbody tr', { hasText: 'LOOKUP RFC 791' }).waitFor(WAIT);
    await page.locator('#chart-legend li', { hasText: 'ADD 200' }).waitFor(WAIT);
    await page.screenshot({ path: join(dir, 'dashboard.png'), fullPage: true });
    assert.ok((await stat(join(dir, 'dashboard.png'))).size > 10_000, 'a real screenshot was written');
    const forReadme = process.env['DASHBOARD_SCREENSHOT'];
    if (forReadme) {
      await mkdir(dirname(resolve(REPO_ROOT, forReadme)), { recursive: true });
      await copyFile(join(dir, 'dashboard.png'), resolve(REPO_ROOT, forReadme));
    }

    // A peer that leaves disappears.
    alpha.destroy();
    await waitForClose(alpha);
    await peerRow(page, 'alpha.example').waitFor({ state: 'detached', ...WAIT });
    await page.waitForFunction("document.getElementById('peer-count').textContent === '2'", null, WAIT);

    // Readable on a phone: nothing wider than the screen except inside the scrollable tables.
    await page.setViewportSize({ width: 375, height: 800 });
    await page.waitForFunction('document.documentElement.scrollWidth <= window.innerWidth', null, WAIT);
    await page.screenshot({ path: join(dir, 'dashboard-phone.png'), fullPage: true });
    assert.deepEqual(pageErrors, [], 'the page ran without script errors');

    // With its Content-Security-Policy enforced, the page works and the browser reports nothing.
    const strict = await browser.newPage();
    const messages: string[] = [];
    strict.on('console', (m) => messages.push(`${m.type()}: ${m.text()}`));
    strict.on('pageerror', (err) => messages.push(`pageerror: ${err.message}`));
    await strict.goto(url);
    await peerRow(strict, 'delta.example').waitFor(WAIT);
    await strict.locator('#top-shared tbody tr', { hasText: '6666' }).waitFor(WAIT);
    assert.deepEqual(messages, [], 'no CSP violation or script error');
    process.stdout.write(`# screenshots in ${dir}\n`);
  } finally {
    await browser?.close();
    await cli.stop();
    cli.kill();
    if (!process.env['KEEP_SCREENSHOTS']) await rm(dir, { recursive: true, force: true });
  }
});
