import { SPEC_CLIENT, type ClientStyle, type DialectId, type IndexMethod, type IndexResponse } from '../protocol/index.js';

/**
 * How our index client writes to one index server (DIALECTS.md, our client → their server).
 * A connection starts in the spec's bytes and switches only on the server's reaction: a 505
 * to a correct request (D, E: LF; D: `LIST` without `ALL`), a garbled ADD echo (C stores our
 * empty line in the title), silence on a fresh connection (G waits for `END`). What worked is
 * remembered per server address, so the next connection starts in the right style.
 */
const MAX_REMEMBERED = 1024;
const remembered = new Map<string, ClientStyle>();

export type Reaction = 'take' | 'again';

export class ServerDialect {
  style: ClientStyle;
  /** The style is known (remembered, or learnt from a first answer): requests may pipeline. */
  settled: boolean;

  constructor(private readonly key: string, private readonly enabled: boolean) {
    const known = enabled ? remembered.get(key) : undefined;
    this.style = known ?? SPEC_CLIENT;
    this.settled = !enabled || known !== undefined;
  }

  /** What an answer calls for: take it, or send the same request again in the style now learnt. */
  react(method: IndexMethod, res: IndexResponse): Reaction {
    if (!this.enabled) return 'take';
    if (res.status === 505) {
      if (this.style.eol === '\r\n') return this.adopt({ eol: '\n' });
      if (method === 'LIST' && this.style.listAll) return this.adopt({ listAll: false });
    }
    if (method === 'ADD' && res.garbledEcho === true && this.style.emptyLine) return this.adopt({ emptyLine: false, finalEol: false });
    return 'take';
  }

  /** A fresh connection stayed silent after our request: true once, when an `END` line should follow. */
  silent(): boolean {
    if (!this.enabled || this.settled || this.style.end) return false;
    this.style = { ...this.style, end: true };
    return true;
  }

  /** `endFramed`: an `END` line came back; a slow spec server that got our `END` shows none. */
  settle(endFramed: boolean): void {
    this.settled = true;
    if (!this.enabled) return;
    if (this.style.end && !endFramed) this.style = { ...this.style, end: false };
    this.remember();
  }

  private remember(): void {
    remembered.delete(this.key);
    const s = this.style;
    if (s.eol !== SPEC_CLIENT.eol || s.emptyLine !== SPEC_CLIENT.emptyLine || s.finalEol !== SPEC_CLIENT.finalEol || s.end || !s.listAll) remembered.set(this.key, s);
    if (remembered.size > MAX_REMEMBERED) remembered.delete(remembered.keys().next().value!);
  }

  /** The server's dialect as far as its reactions showed it. */
  get id(): DialectId {
    if (this.style.end) return 'G';
    if (!this.style.listAll || this.style.eol === '\n') return 'D';
    if (!this.style.emptyLine) return 'C';
    return 'spec';
  }

  private adopt(change: Partial<ClientStyle>): Reaction {
    this.style = { ...this.style, ...change };
    if (this.settled) this.remember(); // learnt later (D's LIST): kept for the next connection too
    return 'again';
  }
}
