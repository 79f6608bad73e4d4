import { constants, fstatSync, openSync, closeSync, writeSync } from 'node:fs';

/**
 * Where a LogWriter puts its bytes: `write` writes what it can without waiting and returns
 * how many bytes it took (0: the destination is full right now).
 */
export interface LogSink {
  write(data: Buffer): number;
  close(): void;
}

export interface LogWriterOptions {
  /** Pending output is written at least this often (ms). */
  flushIntervalMs?: number;
  /** Pending output is written as soon as it reaches this size. */
  flushAtBytes?: number;
  /** Lines beyond this much pending output are dropped (and counted), never queued. */
  maxPendingBytes?: number;
  /** The line that says how many lines were dropped, once output flows again. */
  dropNotice?: (dropped: number) => string;
}

const DEFAULTS = { flushIntervalMs: 100, flushAtBytes: 64 * 1024, maxPendingBytes: 1024 * 1024 };

/**
 * The console's one buffered writer (text and JSON alike): a line is appended to memory, and
 * the pending lines go out in one write every `flushIntervalMs`, or at once when they reach
 * `flushAtBytes` — not one blocking write per request, which made the default server a
 * quarter slower than `--quiet`. A destination that stops taking bytes (a pipe nobody reads,
 * a terminal scrolled back) never blocks the event loop or grows memory: once
 * `maxPendingBytes` are waiting, new lines are dropped and counted (`dropped`), and a
 * notice with the count is written when the destination takes bytes again.
 */
export class LogWriter {
  /** Lines dropped since the writer was made. */
  dropped = 0;
  private readonly opts: Required<Omit<LogWriterOptions, 'dropNotice'>> & Pick<LogWriterOptions, 'dropNotice'>;
  private pending: string[] = [];
  /** UTF-16 length of `pending` plus newlines: close enough to bytes for a bound. */
  private pendingChars = 0;
  /** Bytes already encoded that the destination has not taken yet. */
  private unwritten: Buffer | null = null;
  private droppedUnreported = 0;
  private soon: NodeJS.Immediate | null = null;
  private readonly timer: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly sink: LogSink, options: LogWriterOptions = {}) {
    this.opts = { ...DEFAULTS, ...options };
    this.timer = setInterval(() => this.flush(), this.opts.flushIntervalMs);
    this.timer.unref();
  }

  /**
   * True while a new line would be dropped: a caller can then skip building the line and
   * call `drop()` instead (a blocked stdout then costs no formatting per request either).
   */
  get full(): boolean {
    return this.closed || this.pendingChars + (this.unwritten?.length ?? 0) >= this.opts.maxPendingBytes;
  }

  /** Counts one line as dropped without building it (see `full`). */
  drop(): void {
    this.dropped++;
    this.droppedUnreported++;
  }

  /** Appends one line (without its newline). */
  line(text: string): void {
    if (this.closed) return;
    if (this.full) {
      this.drop();
      return;
    }
    this.pending.push(text);
    this.pendingChars += text.length + 1;
    if (this.pendingChars >= this.opts.flushAtBytes && this.soon === null) {
      // After the current turn, so one burst of requests still makes one write.
      this.soon = setImmediate(() => {
        this.soon = null;
        this.flush();
      });
    }
  }

  /** Writes what the destination takes now; the rest waits for the next flush. Never blocks. */
  flush(): void {
    // What the destination took only in part goes first; until it is out, new lines stay
    // strings (a flush against a full destination costs one failed write, no copying).
    if (this.unwritten !== null && !this.offer(this.unwritten)) return;
    if (this.droppedUnreported > 0 && this.opts.dropNotice !== undefined) {
      // Output flows again: say what was lost.
      this.pending.push(this.opts.dropNotice(this.droppedUnreported));
      this.droppedUnreported = 0;
    }
    if (this.pending.length === 0) return;
    const fresh = Buffer.from(this.pending.join('\n') + '\n', 'utf8');
    this.pending = [];
    this.pendingChars = 0;
    this.offer(fresh);
  }

  /** Hands `data` to the sink; keeps what it did not take. True when all of it went. */
  private offer(data: Buffer): boolean {
    let n = 0;
    try {
      n = this.sink.write(data);
    } catch {
      // The destination failed (its reader is gone): these lines are lost, and counted.
      this.dropped += countLines(data);
      n = data.length;
    }
    this.unwritten = n >= data.length ? null : data.subarray(n);
    return this.unwritten === null;
  }

  /** Last flush (also on process exit and signals): what the destination won't take now is counted as dropped. */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    clearInterval(this.timer);
    if (this.soon !== null) clearImmediate(this.soon);
    this.dropped += this.pending.length + (this.unwritten === null ? 0 : countLines(this.unwritten));
    this.pending = [];
    this.unwritten = null;
    this.sink.close();
  }
}

function countLines(data: Buffer): number {
  let n = 0;
  for (let i = data.indexOf(10); i !== -1; i = data.indexOf(10, i + 1)) n++;
  return n;
}

/**
 * The sink for stdout. A pipe or terminal is reopened through /proc/self/fd with O_NONBLOCK —
 * its own open file description, so the shell's stays as it was — and written with write(2)
 * on the main thread: it takes what fits and returns at once. A regular file is written the
 * same way (the page cache never waits on a reader). A socket (what a Node parent's 'pipe'
 * is) goes through process.stdout, which libuv already writes without blocking; a new write
 * is offered only once the previous one is out, so at most one flush waits in libuv.
 * (Never fs.write on the thread pool: a write blocked there also blocks process exit.)
 */
export function stdoutSink(fd = 1): LogSink {
  let st;
  try {
    st = fstatSync(fd);
  } catch {
    return { write: (d) => d.length, close: () => {} }; // no stdout at all
  }
  if (st.isFile()) return fdSink(fd, false);
  if (st.isFIFO() || st.isCharacterDevice()) {
    try {
      return fdSink(openSync(`/proc/self/fd/${fd}`, constants.O_WRONLY | constants.O_NONBLOCK | constants.O_APPEND), true);
    } catch {
      // No /proc, or the reader is already gone: process.stdout below.
    }
  }
  const out = fd === 2 ? process.stderr : process.stdout;
  out.on('error', () => {}); // a reader that went away: the LogWriter counts what is lost
  return {
    write: (data) => {
      if (out.writableLength > 0 || out.destroyed) return 0;
      out.write(data);
      return data.length;
    },
    close: () => {},
  };
}

function fdSink(fd: number, own: boolean): LogSink {
  return {
    write(data) {
      let off = 0;
      while (off < data.length) {
        try {
          off += writeSync(fd, data, off);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'EAGAIN') break;
          throw err;
        }
      }
      return off;
    },
    close: () => {
      if (own) closeSync(fd);
    },
  };
}
