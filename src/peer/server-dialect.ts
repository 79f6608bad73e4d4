import {
  SPEC_CLIENT, answerEvidence, isSpecClient, serverReaction,
  type ClientStyle, type DialectId, type IndexMethod, type IndexResponse, type ServerEvidence, type ServerReaction,
} from '../protocol/index.js';
import { RecentMap } from './recent-map.js';

/**
 * How our index client writes to one index server (DIALECTS.md, our client → their server).
 * A connection starts in the spec's bytes and switches only on the server's reaction, as the
 * dialect table's `server` entries say (a 505, a garbled echo, mixed line ends, silence, a
 * close). What worked is remembered per server address, so the next connection starts in
 * the right style.
 */
const remembered = new RecentMap<string, { style: ClientStyle; id: DialectId }>(1024);

/** What follows a piece of evidence (ServerReaction's `then`, and whether to redial). */
export interface Verdict {
  readonly then: ServerReaction['then'];
  readonly redial: boolean;
}

const TAKE: Verdict = { then: 'take', redial: false };

export class ServerDialect {
  style: ClientStyle;
  /** The style is known (remembered, or learnt from a first answer): requests may pipeline. */
  settled: boolean;
  /** The server's dialect as far as its reactions showed it. */
  id: DialectId;
  /** What `id` was before G's silence reaction, for when no `END` comes back. */
  private beforeSilence: DialectId = 'spec';

  constructor(private readonly key: string, private readonly enabled: boolean) {
    const known = enabled ? remembered.get(key) : undefined;
    this.style = known?.style ?? SPEC_CLIENT;
    this.id = known?.id ?? 'spec';
    this.settled = !enabled || known !== undefined;
  }

  /** What an answer calls for: take it, or send the same request again in the style now learnt. */
  answered(method: IndexMethod, res: IndexResponse): Verdict {
    for (const on of answerEvidence(res)) {
      const v = this.react(method, on);
      if (v !== TAKE) return v;
    }
    return TAKE;
  }

  /** Evidence other than an answer (`silence`, `closed`), or one of an answer's. */
  react(method: IndexMethod, on: ServerEvidence): Verdict {
    if (!this.enabled) return TAKE;
    if (on === 'silence' && this.settled) return TAKE;
    const hit = serverReaction(on, method, this.style);
    if (hit === null) return TAKE;
    if (on === 'silence') this.beforeSilence = this.id;
    this.style = { ...this.style, ...hit.reaction.adopt };
    this.id = hit.dialect.id;
    if (this.settled) this.remember(); // learnt later (D's LIST, F): kept for the next connection too
    return { then: hit.reaction.then, redial: hit.reaction.redial === true };
  }

  /** `endFramed`: an `END` line came back; a slow spec server that got our `END` shows none. */
  settle(endFramed: boolean): void {
    this.settled = true;
    if (!this.enabled) return;
    if (this.style.end && !endFramed) {
      this.style = { ...this.style, end: false };
      this.id = this.beforeSilence;
    }
    this.remember();
  }

  private remember(): void {
    if (isSpecClient(this.style)) remembered.delete(this.key);
    else remembered.set(this.key, { style: this.style, id: this.id });
  }
}
