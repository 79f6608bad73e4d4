// An index server and two peers in one process: peer B finds RFC 1 at peer A and downloads it.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startIndexServer, startPeer, formatRecordLine } from 'p2pci';

const index = await startIndexServer({ port: 0, host: '127.0.0.1' }); // port 0: the OS picks
const server = `127.0.0.1:${index.address.port}`;
console.log(`index server on ${server}`);

const [dirA, dirB] = [await mkdtemp(join(tmpdir(), 'peer-a-')), await mkdtemp(join(tmpdir(), 'peer-b-'))];
await writeFile(join(dirA, 'rfc1.txt'), 'Network Working Group\nRequest for Comments: 1\n\n                             Host Software\n');

const local = { server, uploadHost: '127.0.0.1', advertiseHost: '127.0.0.1' };
const a = await startPeer({ dir: dirA, ...local }); // shares every rfc<N>.txt of its folder
const b = await startPeer({ dir: dirB, ...local });
console.log(`peer A shares RFC ${a.registered.added.join(', ')} on upload port ${a.uploadPort}`);

const found = await b.lookup(1);
console.log(`LOOKUP RFC 1: ${found.status} ${found.phrase}`);
for (const record of found.records) console.log(`  ${formatRecordLine(record)}`);

const got = await b.download(1); // saved as rfc1.txt in B's folder, then ADDed
console.log(`peer B downloaded RFC ${got.rfc} (${got.bytes} bytes) from port ${got.from.port}`);
console.log(`LIST ALL: ${(await a.list()).records.length} records`);

await b.close();
await a.close();
await index.close();
await rm(dirA, { recursive: true });
await rm(dirB, { recursive: true });
