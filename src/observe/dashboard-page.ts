/**
 * The dashboard page and its stylesheet, served by the index server itself (no CDN: it works
 * in a lab without internet). The page is a static skeleton; dashboard-client.ts fills it
 * from /stats.json with textContent only, so nothing a peer sends can become markup.
 */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>p2pci index dashboard</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/dashboard.css">
<script src="/dashboard.js" defer></script>
</head>
<body>
<header>
  <h1>p2pci index</h1>
  <p id="server-line">connecting&hellip;</p>
  <p id="live" class="live" data-state="connecting">connecting</p>
</header>
<main>
  <section class="cards" aria-label="totals">
    <div class="card"><span class="label">peers connected</span><span class="value" id="peer-count">&ndash;</span></div>
    <div class="card"><span class="label">records</span><span class="value" id="record-count">&ndash;</span></div>
    <div class="card"><span class="label">requests/s</span><span class="value" id="request-rate">&ndash;</span></div>
    <div class="card"><span class="label">requests</span><span class="value" id="request-count">&ndash;</span></div>
    <div class="card"><span class="label">errors</span><span class="value" id="error-count">&ndash;</span></div>
    <div class="card"><span class="label">latency p50 / p99</span><span class="value" id="latency">&ndash;</span></div>
    <div class="card"><span class="label">uptime</span><span class="value" id="uptime">&ndash;</span></div>
    <div class="card"><span class="label">memory (RSS)</span><span class="value" id="memory">&ndash;</span></div>
  </section>

  <section aria-labelledby="chart-title">
    <h2 id="chart-title">Requests per second by method and status <small id="chart-span"></small></h2>
    <canvas id="rate-chart" aria-label="requests per second chart"></canvas>
    <ul id="chart-legend" class="legend"></ul>
  </section>

  <section aria-labelledby="search-title">
    <h2 id="search-title">Who has an RFC?</h2>
    <form id="search-form" autocomplete="off">
      <input id="search-rfc" name="rfc" inputmode="numeric" pattern="[0-9]{1,9}" maxlength="9" placeholder="RFC number, e.g. 791" required>
      <button type="submit">LOOKUP</button>
    </form>
    <p id="search-status" role="status"></p>
    <div class="scroll"><table id="search-results" hidden>
      <thead><tr><th>RFC</th><th>title</th><th>host</th><th>port</th></tr></thead><tbody></tbody>
    </table></div>
  </section>

  <section aria-labelledby="peers-title">
    <h2 id="peers-title">Peers <small id="peers-note"></small></h2>
    <div class="scroll"><table id="peers">
      <thead><tr><th>host</th><th>upload port</th><th>records</th><th>requests</th><th>connected since</th><th>from</th><th>dialect</th></tr></thead>
      <tbody></tbody>
    </table></div>
  </section>

  <div class="pair">
    <section aria-labelledby="shared-title">
      <h2 id="shared-title">Most shared RFCs</h2>
      <div class="scroll"><table id="top-shared"><thead><tr><th>RFC</th><th>title</th><th>peers</th></tr></thead><tbody></tbody></table></div>
    </section>
    <section aria-labelledby="looked-title">
      <h2 id="looked-title">Most looked-up RFCs</h2>
      <div class="scroll"><table id="top-looked-up"><thead><tr><th>RFC</th><th>lookups</th></tr></thead><tbody></tbody></table></div>
    </section>
  </div>

  <section aria-labelledby="recent-title">
    <h2 id="recent-title">Recent requests</h2>
    <div class="scroll"><table id="recent">
      <thead><tr><th>time</th><th>request</th><th>peer</th><th>status</th><th>records</th><th>ms</th></tr></thead>
      <tbody></tbody>
    </table></div>
  </section>
</main>
<footer><a href="/stats.json">stats.json</a> &middot; <a href="/metrics">metrics</a></footer>
</body>
</html>
`;

export const DASHBOARD_CSS = `
:root { color-scheme: light dark; --bg: #f6f7f9; --fg: #1b1f24; --muted: #5b6470; --card: #fff; --line: #d9dde3; --accent: #1f6feb; --bad: #c62828; }
@media (prefers-color-scheme: dark) { :root { --bg: #111418; --fg: #e6e9ee; --muted: #9aa4b1; --card: #1a1f25; --line: #2c333c; --accent: #58a6ff; --bad: #ff6b6b; } }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: var(--bg); color: var(--fg); }
header { display: flex; flex-wrap: wrap; align-items: baseline; gap: .25rem 1rem; padding: .75rem 1rem; border-bottom: 1px solid var(--line); background: var(--card); }
header h1 { margin: 0; font-size: 1.25rem; }
header p { margin: 0; color: var(--muted); overflow-wrap: anywhere; }
.live { margin-left: auto !important; font-size: .85rem; }
.live[data-state="live"]::before { content: "\\25CF "; color: #2da44e; }
.live[data-state="down"] { color: var(--bad); }
main { padding: .5rem 1rem 1rem; max-width: 1200px; margin: 0 auto; }
h2 { font-size: 1rem; margin: 1.25rem 0 .5rem; }
h2 small { color: var(--muted); font-weight: normal; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(140px, 1fr)); gap: .5rem; margin-top: .75rem; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .5rem .75rem; display: flex; flex-direction: column; min-width: 0; }
.card .label { color: var(--muted); font-size: .8rem; }
.card .value { font-size: 1.35rem; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
canvas { width: 100%; height: 180px; display: block; background: var(--card); border: 1px solid var(--line); border-radius: 8px; }
.legend { list-style: none; padding: 0; margin: .4rem 0 0; display: flex; flex-wrap: wrap; gap: .25rem .9rem; font-size: .8rem; color: var(--muted); }
.legend i { display: inline-block; width: .8rem; height: .8rem; border-radius: 2px; margin-right: .3rem; vertical-align: -1px; }
form { display: flex; gap: .5rem; }
input { flex: 1; min-width: 0; max-width: 16rem; padding: .45rem .6rem; font: inherit; border: 1px solid var(--line); border-radius: 6px; background: var(--card); color: var(--fg); }
button { padding: .45rem .9rem; font: inherit; border: 0; border-radius: 6px; background: var(--accent); color: #fff; cursor: pointer; }
.scroll { overflow-x: auto; background: var(--card); border: 1px solid var(--line); border-radius: 8px; }
table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid var(--line); white-space: nowrap; }
td.wrap { white-space: normal; overflow-wrap: anywhere; min-width: 10rem; }
th { color: var(--muted); font-weight: 600; font-size: .8rem; }
tbody tr:last-child td { border-bottom: 0; }
td.empty { color: var(--muted); font-style: italic; }
.status-bad { color: var(--bad); }
.pair { display: grid; grid-template-columns: repeat(auto-fit, minmax(280px, 1fr)); gap: 0 1rem; }
footer { padding: 1rem; text-align: center; color: var(--muted); font-size: .85rem; }
footer a { color: var(--accent); }
@media (max-width: 480px) { main { padding: .25rem .5rem .5rem; } canvas { height: 150px; } th, td { padding: .3rem .4rem; } .card .value { font-size: 1.1rem; } }
`;
