/**
 * A TCP proxy in front of a real p2pci server or uploader, on 127.0.0.1 with an OS-chosen
 * port, that breaks the protocol in one chosen way. Everything else is p2pci's own behaviour,
 * so a checker run against it should fail exactly the cases about that one way.
 */
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';

/** Rewrites the bytes the target sends; `null` is the end of its output. Made once per connection. */
export type Rewriter = (chunk: Buffer | null) => Buffer;

export interface ProxyOptions {
  upstreamPort: number;
  rewrite?: () => Rewriter;
  /** The client leaving does not close the upstream connection: the server never sees it go. */
  keepUpstream?: boolean;
}

export interface RunningProxy {
  port: number;
  close(): Promise<void>;
}

export async function startProxy(options: ProxyOptions): Promise<RunningProxy> {
  const sockets = new Set<Socket>();
  const track = (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
  };
  const server = createServer({ allowHalfOpen: true }, (client) => {
    track(client);
    const upstream = connect({ port: options.upstreamPort, host: '127.0.0.1', allowHalfOpen: true });
    track(upstream);
    const rewrite = options.rewrite?.() ?? ((c: Buffer | null) => c ?? Buffer.alloc(0));
    client.on('data', (c) => upstream.write(c));
    upstream.on('data', (c) => {
      const out = rewrite(c);
      if (out.length > 0 && !client.destroyed) client.write(out);
    });
    upstream.on('end', () => {
      if (!client.destroyed) client.end(rewrite(null));
    });
    upstream.on('close', () => client.destroy());
    if (!options.keepUpstream) {
      client.on('end', () => upstream.end());
      client.on('close', () => upstream.destroy());
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
