/**
 * LIST ALL's record lines (`RFC <number> <title> <host> <port>` CR LF, §2) written straight into
 * byte chunks, without a string per record: the bytes are exactly what `encodeRecord` gives
 * (UTF-8), so a client can't tell the two apart (test/unit/protocol-record-chunks.test.ts).
 *
 * A record line is a prefix shared by every holder of an RFC under one title, `RFC <n> <title> `,
 * and a tail that belongs to the holder, `<host> <port>` CR LF. The prefix is UTF-8-encoded once
 * per run of records that share it, in place, and copied from there; the tail once per peer,
 * kept on the peer (`addressLine`). A record is then two `set`s (memcpy) into the chunk:
 * ~40 ns, against ~130 ns to build and encode its string. Lines never straddle chunks: a line
 * that doesn't fit ends the chunk, and a prefix still in use is copied out of the chunk
 * before the chunk is handed over (it goes back to the pool once written).
 */

/** A record's holder as the encoder sees it; `addressLine` is its cache slot (null until the first LIST). */
export interface HolderAddress {
  readonly host: string;
  readonly port: number;
  addressLine: Buffer | null;
}

/** Where the lines go: the store calls `record` for each, and pauses once `left` reaches 0. */
export interface RecordLineSink {
  /** Records this turn may still take; the store stops (yields) at 0. */
  readonly left: number;
  record(rfc: number, title: string, holder: HolderAddress): void;
}

/** `<host> <port>` CR LF, the end of every record line of this holder. */
export function encodeAddressLine(holder: { readonly host: string; readonly port: number }): Buffer {
  return Buffer.from(`${holder.host} ${holder.port}\r\n`, 'utf8');
}

/** Most UTF-8 bytes a prefix can take: `RFC `, a number, a space, 3 bytes per UTF-16 unit, a space. */
function prefixBound(title: string): number {
  return 4 + 16 + 1 + 3 * title.length + 1;
}

/** Fresh chunks, all of one size. */
export interface ChunkSource {
  readonly chunkSize: number;
  take(): Buffer;
}

const NO_CHUNK = Buffer.alloc(0);

export class RecordChunkEncoder implements RecordLineSink {
  left = 0;
  /** Records encoded so far. */
  records = 0;
  /** The last chunk handed over found the reader backed up: the caller should wait for it. */
  blocked = false;
  private chunk: Buffer = NO_CHUNK;
  private pos = 0;
  private pooled = true;
  /** The current prefix's bytes, for `rfc` and `title`: where it was encoded in the chunk, or a copy in `scratch`. */
  private prefix: Buffer = NO_CHUNK;
  private scratch = Buffer.allocUnsafe(256);
  private rfc = -1;
  private title = '';

  /**
   * @param chunks where fresh chunks come from (a pool), all `chunks.chunkSize` bytes
   * @param emit hands over a chunk's first `length` bytes; false when the reader is backed up.
   *   `pooled` is false for a one-off chunk made for a line longer than a pool chunk.
   */
  constructor(
    private readonly chunks: ChunkSource,
    private readonly emit: (chunk: Buffer, length: number, pooled: boolean) => boolean,
  ) {}

  /** Starts a turn of at most `records` records. */
  startTurn(records: number): void {
    this.left = records;
    this.blocked = false;
  }

  record(rfc: number, title: string, holder: HolderAddress): void {
    const tail = holder.addressLine ?? (holder.addressLine = encodeAddressLine(holder));
    if (rfc !== this.rfc || title !== this.title) {
      this.recordWithNewPrefix(rfc, title, tail);
      return;
    }
    let pos = this.pos;
    if (pos + this.prefix.length + tail.length > this.chunk.length) pos = this.nextChunk(this.prefix.length + tail.length);
    // Read after nextChunk, which may have moved the prefix out of the chunk it handed over.
    const prefix = this.prefix;
    const chunk = this.chunk;
    chunk.set(prefix, pos);
    pos += prefix.length;
    chunk.set(tail, pos);
    this.pos = pos + tail.length;
    this.records++;
    this.left--;
  }

  /** Hands over what the current chunk holds (the end of the answer). */
  flush(): void {
    if (this.pos === 0) return;
    const chunk = this.chunk;
    const length = this.pos;
    this.chunk = NO_CHUNK;
    this.pos = 0;
    if (!this.emit(chunk, length, this.pooled)) {
      this.blocked = true;
      this.left = 0;
    }
  }

  /** Hands over the full chunk and starts another that holds at least `bytes`; returns its first position. */
  private nextChunk(bytes: number): number {
    // The prefix was encoded into this chunk, which is handed over now (and reused once written).
    if (this.pos > 0 && this.prefix.buffer === this.chunk.buffer) {
      const length = this.prefix.copy(this.scratch, 0);
      this.prefix = this.scratch.subarray(0, length);
    }
    this.flush();
    // A line longer than a pool chunk (a huge title limit) gets a chunk of its own.
    this.pooled = bytes <= this.chunks.chunkSize;
    this.chunk = this.pooled ? this.chunks.take() : Buffer.allocUnsafe(bytes);
    return 0;
  }

  /** The first record of a run that shares a prefix: the prefix is encoded in place, and kept. */
  private recordWithNewPrefix(rfc: number, title: string, tail: Buffer): void {
    const bound = prefixBound(title);
    if (bound > this.scratch.length) this.scratch = Buffer.allocUnsafe(bound);
    let pos = this.pos;
    if (pos + bound + tail.length > this.chunk.length) pos = this.nextChunk(bound + tail.length);
    const chunk = this.chunk;
    const prefixEnd = pos + chunk.write(`RFC ${rfc} ${title} `, pos, 'utf8');
    this.prefix = chunk.subarray(pos, prefixEnd);
    chunk.set(tail, prefixEnd);
    this.pos = prefixEnd + tail.length;
    this.rfc = rfc;
    this.title = title;
    this.records++;
    this.left--;
  }
}
