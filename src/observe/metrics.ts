import { collectDefaultMetrics, Counter, Gauge, Registry, type Metric } from 'prom-client';
import { seriesLabels, type StatsCollector } from './stats.js';

/**
 * The Prometheus registry of one index server. Every value is read from the StatsCollector
 * (or the server) when scraped — `collect()` callbacks — so serving metrics adds nothing to
 * the request path. Its own Registry, so two servers in one process don't collide.
 */
export function createMetricsRegistry(stats: StatsCollector): Registry {
  const registry = new Registry();
  const registers = [registry];
  const { server } = stats;

  new Gauge({
    name: 'p2pci_connections',
    help: 'Open index-server connections',
    registers,
    collect() {
      this.set(server.connectionCount);
    },
  });
  const countsGauge = (name: string, help: string, pick: 'peers' | 'records') =>
    new Gauge({
      name,
      help,
      registers,
      async collect() {
        this.set((await server.store.counts())[pick]);
      },
    });
  countsGauge('p2pci_peers', 'Distinct peers (connection, Host, Port) holding at least one record', 'peers');
  countsGauge('p2pci_records', 'RFC records in the index', 'records');

  const counter = (name: string, help: string, read: () => number) =>
    new Counter({
      name,
      help,
      registers,
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  counter('p2pci_connections_accepted_total', 'Index-server connections accepted', () => stats.connectionsAccepted);
  counter('p2pci_bytes_received_total', 'Bytes received from peers on index-server connections', () => stats.bytes().bytesIn);
  counter('p2pci_bytes_sent_total', 'Bytes sent to peers on index-server connections', () => stats.bytes().bytesOut);
  counter('p2pci_internal_errors_total', 'Unexpected server failures (e.g. store errors)', () => stats.internalErrors);

  const labelled = (name: string, help: string, label: string, map: Map<string, number>) =>
    new Counter({
      name,
      help,
      labelNames: [label],
      registers,
      collect() {
        this.reset();
        for (const [key, n] of map) this.inc({ [label]: key }, n);
      },
    });
  labelled('p2pci_request_errors_total', 'Requests refused, by error code', 'code', stats.errorsByCode);
  labelled('p2pci_connections_rejected_total', 'Connections refused at accept, by reason', 'reason', stats.rejectsByReason);
  labelled('p2pci_limits_total', 'Connections closed for a limit, by reason', 'reason', stats.limitsByReason);

  new Counter({
    name: 'p2pci_requests_total',
    help: 'Requests answered, by method (INVALID = unparsable) and status',
    labelNames: ['method', 'status'],
    registers,
    collect() {
      this.reset();
      stats.requestsBySeries.forEach((n, slot) => {
        if (n === 0) return;
        const { method, status } = seriesLabels(slot);
        this.inc({ method, status: String(status) }, n);
      });
    },
  });

  registry.registerMetric(latencyMetric(stats));
  collectDefaultMetrics({ register: registry });
  return registry;
}

/**
 * prom-client's Histogram can only be fed one observation at a time, and we count in our own
 * buckets; this metric object exposes those buckets in the shape the Registry formats.
 */
function latencyMetric(stats: StatsCollector): Metric {
  const name = 'p2pci_request_duration_seconds';
  const help = 'Time from a complete request to its answer being written';
  const metric = {
    name,
    help,
    type: 'histogram',
    aggregator: 'sum',
    collect: () => {},
    reset: () => {},
    get: async () => {
      const h = stats.latency;
      const values = h.cumulative().map(({ le, count }) => ({
        metricName: `${name}_bucket`,
        labels: { le: Number.isFinite(le) ? String(le) : '+Inf' },
        value: count,
      }));
      values.push({ metricName: `${name}_sum`, labels: {} as { le: string }, value: h.sumSeconds });
      values.push({ metricName: `${name}_count`, labels: {} as { le: string }, value: h.count });
      return { name, help, type: 'histogram', aggregator: 'sum', values };
    },
  };
  return metric as unknown as Metric;
}
