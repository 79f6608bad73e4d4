import { ShareFolder } from '../../src/peer/share-folder.js';
import { swarmDownload } from '../../src/peer/swarm/swarm-download.js';

/**
 * A swarm `get` the resume bench can SIGKILL: reports its progress to the parent over IPC.
 * Usage (via fork): swarm-get-child.js <rfc> <folder> <port>...
 */
const [rfcArg, dir, ...ports] = process.argv.slice(2);
if (rfcArg === undefined || dir === undefined || ports.length === 0) throw new Error('usage: swarm-get-child.js <rfc> <folder> <port>...');
const peers = ports.map((p) => ({ host: '127.0.0.1', port: Number(p) }));
await swarmDownload(Number(rfcArg), peers, new ShareFolder(dir), { os: 'bench', onProgress: (p) => process.send!({ bytes: p.bytes, total: p.total }) });
process.send!({ done: true });
