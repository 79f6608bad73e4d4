import type { Socket } from 'node:net';

/** The source broke the transfer (closed early, sent too much, went silent): its fault, not ours. */
export class SourceFailed extends Error {
  override readonly name = 'SourceFailed';
  /**
   * The failure is one the uploaders of DIALECTS.md show to a spec GET (a 505, a status line
   * not in the spec's words, silence): the 1.0 downloader, which adapts, may be served.
   */
  constructor(message: string, readonly dialectHint = false) {
    super(message);
  }
}

/**
 * Exact-length reads from a socket that may deliver any chunking: `read(n)` gives exactly n
 * bytes or throws. Reading pauses the socket (async iteration), so memory stays bounded to
 * what the caller asks for plus one chunk.
 */
export class SocketBytes {
  private readonly chunks: AsyncIterator<Buffer>;
  private held: Buffer;
  /** Body bytes taken so far (held bytes not counted). */
  consumed = 0;

  /** One iterator for the socket's whole life: leaving a `for await` over it would destroy the socket. */
  constructor(socket: Socket) {
    this.chunks = (socket as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
    this.held = Buffer.alloc(0);
  }

  /** The next chunk as received (for reading the head), or null at the end. */
  async nextChunk(): Promise<Buffer | null> {
    const next = await this.chunks.next();
    return next.done === true ? null : next.value;
  }

  /** Bytes that arrived with the head: the body starts with them. */
  setBodyStart(bytes: Buffer): void {
    this.held = bytes;
  }

  /** Bytes already received beyond what was read. */
  get heldBytes(): number {
    return this.held.length;
  }

  /** Fills `into[offset, offset + n)`; throws SourceFailed if the connection ends first. */
  async readInto(into: Buffer, offset: number, n: number): Promise<void> {
    let at = offset;
    const end = offset + n;
    while (at < end) {
      if (this.held.length === 0 && !(await this.pull())) throw new SourceFailed(`closed the connection ${end - at} bytes short`);
      const take = Math.min(this.held.length, end - at);
      this.held.copy(into, at, 0, take);
      this.held = this.held.subarray(take);
      at += take;
      this.consumed += take;
    }
  }

  /** Discards n bytes. */
  async skip(n: number): Promise<void> {
    let left = n;
    while (left > 0) {
      if (this.held.length === 0 && !(await this.pull())) throw new SourceFailed(`closed the connection ${left} bytes short`);
      const take = Math.min(this.held.length, left);
      this.held = this.held.subarray(take);
      left -= take;
      this.consumed += take;
    }
  }

  /** True if the connection ends with no byte beyond what was read (an exact body). */
  async endsHere(): Promise<boolean> {
    if (this.held.length > 0) return false;
    return !(await this.pull());
  }

  private async pull(): Promise<boolean> {
    const next = await this.chunks.next();
    if (next.done === true) return false;
    this.held = next.value;
    return true;
  }
}
