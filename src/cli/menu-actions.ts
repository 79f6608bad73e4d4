import { parseRfcNumber } from '../protocol/index.js';
import type { Peer } from '../peer/peer.js';
import type { GetOptions } from '../peer/peer.js';
import { formatDownload, formatIndexResponse } from './format.js';

/**
 * The five menu items of the original program, independent of how the menu is shown
 * (inquirer on a terminal, plain lines from a pipe). Each returns the text to print; a
 * failure is one line starting with "error:", and the menu goes on.
 */
export const MENU_ITEMS = [
  { key: '1', name: 'Add' },
  { key: '2', name: 'Look Up' },
  { key: '3', name: 'List All' },
  { key: '4', name: 'Download' },
  { key: '5', name: 'Shut Down' },
] as const;

export type MenuKey = (typeof MENU_ITEMS)[number]['key'];

export function menuText(): string {
  return MENU_ITEMS.map((i) => `${i.key}. ${i.name}`).join('\n');
}

export function parseMenuRfc(text: string): number | null {
  return parseRfcNumber(text.trim());
}

function errorLine(err: unknown): string {
  return `error: ${err instanceof Error ? err.message : String(err)}`;
}

export class MenuActions {
  constructor(private readonly peer: Peer) {}

  async add(rfc: number): Promise<string> {
    try {
      return formatIndexResponse(await this.peer.add(rfc));
    } catch (err) {
      return errorLine(err);
    }
  }

  async lookup(rfc: number): Promise<string> {
    try {
      return formatIndexResponse(await this.peer.lookup(rfc));
    } catch (err) {
      return errorLine(err);
    }
  }

  async list(): Promise<string> {
    try {
      return formatIndexResponse(await this.peer.list());
    } catch (err) {
      return errorLine(err);
    }
  }

  async download(rfc: number, options: GetOptions = {}): Promise<string> {
    try {
      if (await this.peer.folder.has(rfc)) return `RFC ${rfc} is already in ${this.peer.folder.dir}`;
      const d = await this.peer.download(rfc, options);
      return formatDownload(d) + (d.added ? '' : '\nwarning: saved, but not registered with the index server yet');
    } catch (err) {
      return errorLine(err);
    }
  }

  shutdown(): Promise<void> {
    return this.peer.shutdown();
  }
}
