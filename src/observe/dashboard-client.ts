/**
 * The dashboard's browser script. It is written as a function so the compiler type-checks
 * it against the DOM, and served as its source text (`/dashboard.js`). It polls /stats.json
 * and builds every cell with textContent: titles and hostnames come from peers, so none of
 * it may ever be parsed as HTML. Everything it needs lives inside the function.
 */
function dashboardClient(): void {
  const POLL_MS = 1000;
  const CHART_SECONDS = 120;
  const COLORS: Record<string, string> = { ADD: '#2da44e', LOOKUP: '#1f6feb', LIST: '#a371f7', GET: '#d29922', INVALID: '#c62828' };
  const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

  const text = (id: string, value: string) => {
    const node = $(id);
    if (node.textContent !== value) node.textContent = value;
  };
  const cell = (value: unknown, cls?: string) => {
    const td = document.createElement('td');
    td.textContent = value === null || value === undefined ? '' : String(value);
    if (cls) td.className = cls;
    return td;
  };
  const fillTable = (tableId: string, rows: HTMLTableCellElement[][], emptyText: string, columns: number) => {
    const body = ($(tableId) as HTMLTableElement).tBodies[0]!;
    const trs = rows.map((cells) => {
      const tr = document.createElement('tr');
      tr.append(...cells);
      return tr;
    });
    if (trs.length === 0) {
      const tr = document.createElement('tr');
      const td = cell(emptyText, 'empty');
      td.colSpan = columns;
      tr.append(td);
      trs.push(tr);
    }
    body.replaceChildren(...trs);
  };
  const num = (n: number) => n.toLocaleString('en-US');
  const bytes = (n: number) => {
    const units = ['B', 'KiB', 'MiB', 'GiB'];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) (n /= 1024), i++;
    return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
  };
  const duration = (s: number) => {
    const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
    return d > 0 ? `${d}d ${h}h` : h > 0 ? `${h}h ${m}m` : m > 0 ? `${m}m ${s % 60}s` : `${s}s`;
  };
  const clock = (iso: string) => new Date(iso).toLocaleTimeString([], { hour12: false });
  const ms = (v: number | null) => (v === null ? '–' : v < 1 ? `${(v * 1000).toFixed(0)} µs` : `${v.toFixed(1)} ms`);

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type Stats = any;

  function render(s: Stats): void {
    text('server-line', `index on ${s.server.address ? `${s.server.address.host}:${s.server.address.port}` : '(not listening)'} · pid ${s.server.pid} · started ${new Date(s.server.startedAt).toLocaleString()}`);
    text('peer-count', num(s.peers.count));
    text('record-count', num(s.totals.records));
    text('request-count', num(s.totals.requests));
    text('error-count', num(s.totals.errors));
    text('latency', `${ms(s.requests.latencyMs.p50)} / ${ms(s.requests.latencyMs.p99)}`);
    text('uptime', duration(s.server.uptimeSeconds));
    text('memory', bytes(s.server.memory.rssBytes));
    let lastFull = 0;
    for (const series of s.rate.series) lastFull += series.perSecond[series.perSecond.length - 2] ?? 0;
    text('request-rate', num(lastFull));
    const shown = s.peers.list.length;
    text('peers-note', shown < s.peers.count ? `(${num(s.peers.count)}; oldest ${shown} shown)` : `(${num(s.peers.count)})`);
    fillTable('peers', s.peers.list.map((p: Stats) => [
      cell(p.host ?? '(not announced yet)', 'wrap'), cell(p.port), cell(num(p.records)), cell(num(p.requests)),
      cell(clock(p.connectedAt)), cell(p.remote), cell(p.dialect),
    ]), 'no peer connected', 7);
    fillTable('top-shared', s.topShared.map((r: Stats) => [cell(r.rfc), cell(r.title, 'wrap'), cell(num(r.holders))]), 'nothing shared yet', 3);
    fillTable('top-looked-up', s.topLookedUp.map((r: Stats) => [cell(r.rfc), cell(num(r.lookups))]), 'no LOOKUP yet', 2);
    fillTable('recent', s.recent.map((r: Stats) => [
      cell(clock(r.at)),
      cell(r.method === 'LIST' ? 'LIST ALL' : r.rfc === null ? r.method : `${r.method} RFC ${r.rfc}`),
      cell(r.host !== null ? `${r.host}:${r.port ?? '?'}` : r.remote, 'wrap'),
      cell(r.errorCode ? `${r.status} ${r.errorCode}` : r.status, r.status === 200 ? undefined : r.status === 404 ? undefined : 'status-bad'),
      cell(r.records), cell(r.durationMs.toFixed(2)),
    ]), 'no request yet', 6);
    drawChart(s.rate);
  }

  function drawChart(rate: Stats): void {
    const canvas = $<HTMLCanvasElement>('rate-chart');
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth, height = canvas.clientHeight;
    if (canvas.width !== Math.round(width * ratio)) canvas.width = Math.round(width * ratio);
    if (canvas.height !== Math.round(height * ratio)) canvas.height = Math.round(height * ratio);
    const g = canvas.getContext('2d');
    if (g === null) return;
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, width, height);
    const span = Math.min(CHART_SECONDS, rate.windowSeconds);
    // The last second is still filling; draw complete seconds only.
    const series = rate.series.map((x: Stats) => ({ ...x, values: x.perSecond.slice(-span - 1, -1) as number[] }));
    const max = Math.max(1, ...series.flatMap((x: Stats) => x.values as number[]));
    const top = niceCeil(max);
    const left = 44, bottom = height - 18, plotW = width - left - 8, plotH = bottom - 8;
    const muted = getComputedStyle(document.body).getPropertyValue('color');
    g.font = '11px system-ui, sans-serif';
    g.fillStyle = muted;
    g.strokeStyle = 'rgba(128,128,128,.25)';
    g.lineWidth = 1;
    for (let i = 0; i <= 4; i++) {
      const y = bottom - (plotH * i) / 4;
      g.beginPath(); g.moveTo(left, y); g.lineTo(left + plotW, y); g.stroke();
      g.fillText(String(Math.round((top * i) / 4)), 4, y + 4);
    }
    g.fillText(`-${span}s`, left, height - 4);
    g.fillText('now', left + plotW - 22, height - 4);
    const legend: HTMLLIElement[] = [];
    for (const x of series) {
      const color = COLORS[x.method] ?? '#888';
      g.strokeStyle = color;
      g.lineWidth = 2;
      g.setLineDash(x.status === 200 ? [] : x.status === 404 ? [6, 3] : [2, 3]);
      g.beginPath();
      x.values.forEach((v: number, i: number) => {
        const px = left + (plotW * i) / Math.max(1, span - 1), py = bottom - (plotH * v) / top;
        if (i === 0) g.moveTo(px, py); else g.lineTo(px, py);
      });
      g.stroke();
      const li = document.createElement('li');
      const swatch = document.createElement('i');
      swatch.style.background = color;
      li.append(swatch, `${x.method} ${x.status}${x.status === 200 ? '' : x.status === 404 ? ' (dashed)' : ' (dotted)'}`);
      legend.push(li);
    }
    g.setLineDash([]);
    if (legend.length === 0) {
      const li = document.createElement('li');
      li.textContent = 'no requests in the last minutes';
      legend.push(li);
    }
    $('chart-legend').replaceChildren(...legend);
    text('chart-span', `(last ${span} s)`);
  }

  function niceCeil(n: number): number {
    const p = Math.pow(10, Math.floor(Math.log10(n)));
    for (const m of [1, 2, 5, 10]) if (m * p >= n) return m * p;
    return 10 * p;
  }

  async function poll(): Promise<void> {
    const live = $('live');
    try {
      const res = await fetch('/stats.json', { cache: 'no-store' });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      render(await res.json());
      live.dataset['state'] = 'live';
      live.textContent = `live · ${new Date().toLocaleTimeString([], { hour12: false })}`;
    } catch (err) {
      live.dataset['state'] = 'down';
      live.textContent = `server unreachable (${err instanceof Error ? err.message : String(err)}); retrying`;
    }
    setTimeout(() => void poll(), document.hidden ? POLL_MS * 5 : POLL_MS);
  }

  $('search-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    void search($<HTMLInputElement>('search-rfc').value.trim());
  });

  async function search(rfc: string): Promise<void> {
    const table = $<HTMLTableElement>('search-results');
    table.hidden = true;
    if (!/^\d{1,9}$/.test(rfc)) return text('search-status', 'Type an RFC number (1 to 9 digits).');
    text('search-status', `Looking up RFC ${rfc}…`);
    try {
      const res = await fetch(`/lookup?rfc=${encodeURIComponent(rfc)}`, { cache: 'no-store' });
      const body = await res.json();
      if (!res.ok) return text('search-status', body.error ?? `HTTP ${res.status}`);
      if (body.total === 0) return text('search-status', `No connected peer has RFC ${body.rfc} (404).`);
      const more = body.total > body.records.length ? ` (first ${body.records.length} shown)` : '';
      text('search-status', `RFC ${body.rfc}: ${body.total} ${body.total === 1 ? 'peer has' : 'peers have'} it${more}.`);
      fillTable('search-results', body.records.map((r: Stats) => [cell(r.rfc), cell(r.title, 'wrap'), cell(r.host, 'wrap'), cell(r.port)]), '', 4);
      table.hidden = false;
    } catch (err) {
      text('search-status', `Search failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  void poll();
}

/**
 * When the source runs through tsx/esbuild (tests) rather than tsc, function bodies gain
 * `__name(fn, "name")` calls; the shim makes the served text valid either way.
 */
export const DASHBOARD_SCRIPT = `'use strict';\nconst __name = (fn) => fn;\n(${dashboardClient.toString()})();\n`;
