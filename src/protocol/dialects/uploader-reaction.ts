import { DIALECT_TABLE, type Dialect, type DialectId, type UploaderEvidence, type UploaderReaction } from './table.js';
import { SPEC_GET, encodeGetIn, isSpecGet, type GetStyle } from './request-encode.js';
import { firstFitting, indexReactions } from './reaction-index.js';

/**
 * Our downloader → their uploaders (DIALECTS.md), as the table's `uploader` entries say: given
 * what an uploader did with our GET, what to send next. Pure: no sockets, no timers; the
 * downloader reports evidence and writes what comes back.
 */

/** Reactions keyed by evidence (`status-version` also by the word): a lookup, never a scan of the table. */
const keyOf = (on: UploaderEvidence, word = ''): string => (on === 'status-version' ? `${on} ${word.toUpperCase()}` : on);
const REACTIONS = indexReactions<UploaderReaction>(DIALECT_TABLE, (d) => d.uploader, (r, d) => keyOf(r.on, d.statusVersion));

/**
 * The first table entry reacting to this evidence while our GET has `style`, or null (a spec
 * uploader's answers never match). `word`: the status line's version word, for `status-version`.
 */
export function uploaderReaction(on: UploaderEvidence, style: GetStyle, word?: string): { dialect: Dialect; reaction: UploaderReaction } | null {
  return firstFitting(REACTIONS.get(keyOf(on, word)), style);
}

/** What the head of an answer to our GET shows, in the order it is weighed. */
export function headEvidence(head: { status: number; separator: 'empty-line' | 'end-line' | null; versionWord: string }): UploaderEvidence[] {
  const out: UploaderEvidence[] = [];
  if (head.status === 505) out.push('status-505');
  if (head.separator === 'end-line') out.push('end-framed');
  if (!/^P2P-CI\/\d+\.\d+$/i.test(head.versionWord)) out.push('status-version');
  return out;
}

/** What follows a piece of evidence: `send` is written next (a whole GET for `again`). */
export interface GetNext {
  readonly then: UploaderReaction['then'];
  readonly send: string;
}

const TAKE: GetNext = { then: 'take', send: '' };

/** What was learnt about an uploader, kept for its next GET. */
export interface LearntUploader {
  readonly style: GetStyle;
  readonly id: DialectId;
}

/**
 * How our downloader writes one GET of RFC `rfc` to one uploader. Starts in what was learnt
 * before (or the spec) and switches only on the uploader's evidence; off (`--strict`), every
 * piece of evidence is taken as it is and the bytes stay the spec's.
 */
export class GetDialect {
  style: GetStyle;
  /** The dialect the evidence of this GET showed first. */
  private shown: DialectId | null = null;
  private tentative: { before: GetStyle; dialect: DialectId } | null = null;

  constructor(
    private readonly get: { rfc: number; host: string; os: string },
    private readonly known: LearntUploader | undefined,
    private readonly enabled: boolean,
  ) {
    this.style = (enabled ? known?.style : undefined) ?? SPEC_GET;
  }

  /** The GET as it goes on a fresh connection. */
  request(): string {
    return encodeGetIn(this.style, this.get.rfc, this.get.host, this.get.os);
  }

  /** Whether the table reacts to this evidence now (the downloader watches for it only then). */
  expects(on: UploaderEvidence): boolean {
    return this.enabled && uploaderReaction(on, this.style) !== null;
  }

  /** Evidence outside the head (`silence`, `held-open`), or one of the head's. */
  react(on: UploaderEvidence, word?: string): GetNext {
    if (!this.enabled) return TAKE;
    const hit = uploaderReaction(on, this.style, word);
    if (hit === null) return TAKE;
    const before = this.style;
    const sent = this.request();
    this.style = { ...this.style, ...hit.reaction.adopt };
    if (hit.reaction.tentative === true) this.tentative ??= { before, dialect: hit.dialect.id };
    else this.shown ??= hit.dialect.id;
    if (hit.reaction.then === 'again') return { then: 'again', send: this.request() };
    if (hit.reaction.then === 'complete') {
      const now = this.request();
      if (!now.startsWith(sent)) throw new Error(`dialect ${hit.dialect.id}: a 'complete' reaction must only add to the GET`);
      return { then: 'complete', send: now.slice(sent.length) };
    }
    return TAKE;
  }

  /**
   * The head of the answer arrived: a tentative style stands only if the head shows evidence
   * of the same dialect; then the head's evidence is weighed. The first `again` wins.
   */
  answered(head: Parameters<typeof headEvidence>[0]): GetNext {
    const shows = headEvidence(head);
    const t = this.tentative;
    if (t !== null) {
      this.tentative = null;
      const confirmed = shows.some((on) => uploaderReaction(on, this.style, head.versionWord)?.dialect.id === t.dialect);
      if (confirmed) this.shown ??= t.dialect;
      else this.style = t.before;
    }
    for (const on of shows) {
      const next = this.react(on, head.versionWord);
      if (next.then === 'again') return next;
    }
    return TAKE;
  }

  /** The uploader's dialect: what this GET showed, else what was learnt before if it shaped our bytes. */
  get id(): DialectId {
    return this.shown ?? (this.enabled && !isSpecGet(this.style) ? this.known?.id : undefined) ?? 'spec';
  }

  /** What to keep for the next GET to this uploader (null: nothing, it is a spec uploader). */
  learnt(): LearntUploader | null {
    const id = this.id;
    return id === 'spec' && isSpecGet(this.style) ? null : { style: this.style, id };
  }

  /** How the style differs from the spec, for messages: `in LF`, `followed by END`. */
  describe(): string {
    const parts: string[] = [];
    if (this.style.eol !== SPEC_GET.eol) parts.push('in LF');
    if (this.style.end) parts.push('followed by END');
    return parts.join(' ');
  }
}
