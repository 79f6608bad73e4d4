/**
 * The deliberately broken counterparts `p2pci check` is tested against, each one real p2pci
 * behind a byte-proxy.ts rewrite (or no rewrite) that breaks one rule of PROTOCOL.md.
 */
import type { Rewriter } from './byte-proxy.js';

/** An answerer whose lines end in LF alone (dialect A). A CR at a chunk's end waits for the next. */
export function lfOnlyLines(): Rewriter {
  let held = '';
  return (chunk) => {
    let text = held + (chunk === null ? '' : chunk.toString('latin1'));
    held = '';
    if (chunk !== null && text.endsWith('\r')) {
      held = '\r';
      text = text.slice(0, -1);
    }
    return Buffer.from(text.replace(/\r\n/g, '\n'), 'latin1');
  };
}

/**
 * Replaces every `from` with `to` in the stream, holding back a tail that may be the start of
 * `from` until the next chunk tells.
 */
export function replaceAll(from: string, to: string): () => Rewriter {
  return () => {
    let held = '';
    return (chunk) => {
      let text = (held + (chunk === null ? '' : chunk.toString('latin1'))).split(from).join(to);
      held = '';
      if (chunk !== null) {
        for (let k = Math.min(from.length - 1, text.length); k > 0; k--) {
          if (from.startsWith(text.slice(-k))) {
            held = text.slice(-k);
            text = text.slice(0, -k);
            break;
          }
        }
      }
      return Buffer.from(text, 'latin1');
    };
  };
}

/** LIST of an empty index answers 404 (dialects A and C): the only 200 with no record at all. */
export const emptyList404 = replaceAll('P2P-CI/1.0 200 OK\r\n\r\n\r\n', 'P2P-CI/1.0 404 Not Found\r\n\r\n\r\n');

/**
 * An uploader that reads the file in text mode: the body's CR LF become LF, and Content-Length
 * counts the converted bytes (so a tolerant reader gets a whole, but wrong, file).
 */
export function textModeUploader(): Rewriter {
  const chunks: Buffer[] = [];
  return (chunk) => {
    if (chunk !== null) {
      chunks.push(chunk);
      return Buffer.alloc(0);
    }
    const all = Buffer.concat(chunks);
    const split = all.indexOf('\r\n\r\n');
    if (!all.subarray(0, 20).toString('latin1').includes(' 200 ') || split === -1) return all;
    const body = Buffer.from(all.subarray(split + 4).toString('latin1').replace(/\r\n/g, '\n'), 'latin1');
    const head = all.subarray(0, split + 4).toString('latin1').replace(/Content-Length: \d+/, `Content-Length: ${body.length}`);
    return Buffer.concat([Buffer.from(head, 'latin1'), body]);
  };
}
