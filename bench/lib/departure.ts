import { connectTo } from './clients.js';
import { IndexClient } from './index-client.js';
import { addRequests, lookupRequest, LEAVER_BASE } from './workload.js';

/**
 * A peer registers `records` RFCs, then its connection closes; a second client LOOKUPs the
 * last of them in closed loop from that moment until the answer is 404. Returns the ms
 * between the close and the first miss.
 */
export async function timeDeparture(port: number, records: number): Promise<number> {
  const rfcs = Array.from({ length: records }, (_, i) => LEAVER_BASE + i);
  const leaverSocket = await connectTo(port);
  const watcherSocket = await connectTo(port);
  try {
    const added = await new IndexClient(leaverSocket).send('ADD', addRequests(rfcs, { host: 'leaver.bench.example', port: 7004 }), records);
    if (added.some((a) => a.status !== 200)) throw new Error('leaver ADDs failed');
    const watcher = new IndexClient(watcherSocket);
    const watched = lookupRequest(rfcs[rfcs.length - 1]!);
    const first = await watcher.send('LOOKUP', watched);
    if (first[0]!.status !== 200) throw new Error('leaver records not found before leaving');
    const start = performance.now();
    leaverSocket.destroy();
    for (let n = 0; ; n++) {
      const [answer] = await watcher.send('LOOKUP', watched);
      if (answer!.status === 404) return performance.now() - start;
      if (n > 10_000_000) throw new Error('records of a departed peer never went away');
    }
  } finally {
    leaverSocket.destroy();
    watcherSocket.destroy();
  }
}
