import { collectGarbage, memReport, RssSampler, type ChildReady, type ChildReply, type ChildRequest, type CountReport, type EmptyReport } from './ipc.js';

/**
 * The IPC loop every bench server child runs: answers memory, count and RSS-sampling
 * requests from the parent, and exits when the parent goes away.
 */
export function serveParent(
  port: number,
  count: () => CountReport | Promise<CountReport>,
  /** Resolves when the server is next down to that many connections and records. */
  whenEmpty?: (left: CountReport) => Promise<EmptyReport>,
): void {
  const send = process.send?.bind(process);
  if (send === undefined) throw new Error('a bench child must be started with an IPC channel (fork)');
  const sampler = new RssSampler();
  process.on('message', (msg: ChildRequest) => {
    const reply = async (): Promise<ChildReply> => {
      switch (msg.cmd) {
        case 'mem':
          if (msg.gc) collectGarbage();
          return { id: msg.id, ...memReport() };
        case 'count':
          return { id: msg.id, ...(await count()) };
        case 'cpu': {
          const { user, system } = process.cpuUsage();
          return { id: msg.id, cpuMicros: user + system };
        }
        case 'sample-start':
          sampler.start();
          return { id: msg.id };
        case 'sample-stop':
          return { id: msg.id, ...sampler.stop() };
        case 'when-empty':
          if (whenEmpty === undefined) throw new Error('this child holds no index');
          return { id: msg.id, ...(await whenEmpty({ connections: msg.connections, records: msg.records })) };
      }
    };
    reply().then(
      (r) => send(r),
      (err: unknown) => send({ id: msg.id, error: String(err) }),
    );
  });
  // The parent's death closes the channel; a bench child must never outlive its run.
  process.on('disconnect', () => process.exit(0));
  const ready: ChildReady = { ready: true, port };
  send(ready);
}
