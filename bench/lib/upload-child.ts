import { UploadServer } from '../../src/peer/upload-server.js';
import { ShareFolder } from '../../src/peer/share-folder.js';
import { serveParent } from './child-main.js';

/**
 * A peer's upload server under test, alone in its own process so its RSS is its own.
 * Usage (via fork): upload-child.js <shared folder> [upload limit, bytes/s].
 */
const dir = process.argv[2];
if (dir === undefined) throw new Error('usage: upload-child.js <folder> [upload limit]');
const uploadLimit = process.argv[3] === undefined ? undefined : Number(process.argv[3]);
const server = new UploadServer({ folder: new ShareFolder(dir), os: 'bench', maxConnections: 4096, maxConnectionsPerAddress: 0, uploadLimit });
const { port } = await server.listen(0, '127.0.0.1');
serveParent(port, () => ({ connections: server.activeConnections, records: 0 }));
