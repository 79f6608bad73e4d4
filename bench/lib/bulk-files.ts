import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';

/**
 * Writes a test file of `size` bytes — random 1 MiB blocks, each stamped with its index so a
 * reordered or repeated block changes the hash — and returns its SHA-256.
 */
export async function writeTestFile(path: string, size: number): Promise<string> {
  const block = randomBytes(1024 * 1024);
  const hash = createHash('sha256');
  const file = await open(path, 'wx');
  try {
    for (let offset = 0, i = 0; offset < size; offset += block.length, i++) {
      block.writeUInt32BE(i, 0);
      const part = block.subarray(0, Math.min(block.length, size - offset));
      hash.update(part);
      await file.write(part);
    }
  } finally {
    await file.close();
  }
  return hash.digest('hex');
}

export async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
