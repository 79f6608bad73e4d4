import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { MenuActions, menuText, parseMenuRfc } from './menu-actions.js';

/**
 * The menu for scripts and pipes: plain lines in (`2`, then `791`), plain text out.
 * End of input means Shut Down, so `printf '3\n' | p2pci peer …` lists and leaves.
 */
class LineQueue {
  private readonly lines: string[] = [];
  private waiter: ((line: string | null) => void) | null = null;
  private ended = false;

  constructor(input: Readable) {
    const rl = createInterface({ input, crlfDelay: Infinity });
    rl.on('line', (line) => {
      if (this.waiter !== null) {
        const w = this.waiter;
        this.waiter = null;
        w(line);
      } else this.lines.push(line);
    });
    rl.on('close', () => {
      this.ended = true;
      this.waiter?.(null);
      this.waiter = null;
    });
  }

  next(): Promise<string | null> {
    const line = this.lines.shift();
    if (line !== undefined) return Promise.resolve(line);
    if (this.ended) return Promise.resolve(null);
    return new Promise((resolve) => (this.waiter = resolve));
  }
}

export async function runLineMenu(actions: MenuActions, input: Readable, output: Writable): Promise<void> {
  const queue = new LineQueue(input);
  const say = (text: string) => output.write(text.endsWith('\n') ? text : text + '\n');
  const askRfc = async (prompt: string): Promise<number | null | 'eof'> => {
    say(prompt);
    const line = await queue.next();
    if (line === null) return 'eof';
    const rfc = parseMenuRfc(line);
    if (rfc === null) say(`error: RFC number must be 1 to 9 digits, got "${line.trim()}"`);
    return rfc;
  };
  for (;;) {
    say(menuText() + '\nchoice:');
    const line = await queue.next();
    if (line === null) break;
    const choice = line.trim();
    if (choice === '') continue;
    if (choice === '5') break;
    if (choice === '3') {
      say(await actions.list());
      continue;
    }
    if (choice !== '1' && choice !== '2' && choice !== '4') {
      say(`error: choose 1 to 5, got "${choice}"`);
      continue;
    }
    const rfc = await askRfc('RFC number:');
    if (rfc === 'eof') break;
    if (rfc === null) continue;
    if (choice === '1') say(await actions.add(rfc));
    else if (choice === '2') say(await actions.lookup(rfc));
    else say(await actions.download(rfc));
  }
  say('shutting down');
  await actions.shutdown();
}
