import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { connectTo } from './clients.js';

/**
 * The bare-Node reference for a GET: connect, pipe the socket into a file, fsync (`flush`)
 * and close — the same network, disk and durability work as a download, without the protocol.
 */
export async function pipeDownload(port: number, path: string): Promise<number> {
  const socket = await connectTo(port);
  const out = createWriteStream(path, { flags: 'wx', flush: true });
  await pipeline(socket, out);
  return out.bytesWritten;
}
