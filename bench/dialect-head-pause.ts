import { spawn, type ChildProcess } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { UploadServer } from '../src/peer/upload-server.js';
import { ShareFolder } from '../src/peer/share-folder.js';

/**
 * `node dist/bench/dialect-head-pause.js [trials]`: how long the uploader must pause between
 * a GET head written alone and the body, for a downloader that takes its first recv() as the
 * head (DIALECTS.md A C D E). A Python reader (recv(1024), like A's) does `trials` GETs per
 * pause, idle and then with 2 busy processes per core; prints, per pause, how often the first
 * recv held the head alone. The shortest pause with no failure under load is the default.
 */
const RFCS = fileURLToPath(new URL('../../test/fixtures/rfcs/', import.meta.url));
const PAUSES = [0, 1, 2, 5, 10, 20, 40];

const READER = `
import socket, sys
port, trials, ok = int(sys.argv[1]), int(sys.argv[2]), 0
for _ in range(trials):
    s = socket.create_connection(('127.0.0.1', port))
    s.sendall(b'GET RFC 100 P2P-CI/1.0\\nHost: vm\\nOS: Linux\\n')
    head = s.recv(1024)
    if head.endswith(b'Content-Type: text/plain\\r\\n\\r\\n'): ok += 1
    while s.recv(65536): pass
    s.close()
print(ok)
`;

function run(port: number, trials: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const p = spawn('python3', ['-c', READER, String(port), String(trials)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve(Number(out.trim())) : reject(new Error(`reader exited ${code}`))));
  });
}

function burners(n: number): ChildProcess[] {
  return Array.from({ length: n }, () => spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }));
}

async function main(): Promise<void> {
  const trials = Number(process.argv[2] ?? 200);
  const rows: string[] = [];
  for (const loaded of [false, true]) {
    const load = loaded ? burners(cpus().length * 2) : [];
    try {
      for (const pause of PAUSES) {
        const server = new UploadServer({ folder: new ShareFolder(RFCS), headPauseMs: pause });
        const { port } = await server.listen(0, '127.0.0.1');
        const ok = await run(port, trials);
        await server.close();
        rows.push(`${loaded ? 'loaded' : 'idle  '}  pause ${String(pause).padStart(2)} ms  head alone ${ok}/${trials}`);
        process.stderr.write(rows.at(-1)! + '\n');
      }
    } finally {
      for (const b of load) b.kill();
    }
  }
  console.log(rows.join('\n'));
}

void main();
