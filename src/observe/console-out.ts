import { LogWriter, stdoutSink } from './log-writer.js';

let out: LogWriter | null = null;
let notice: (dropped: number) => string = (n) => `${new Date().toISOString()} WARN ${n} log lines dropped: stdout was not keeping up`;

/**
 * The process's one buffered stdout (see LogWriter): every console line of the server goes
 * through it, so lines keep their order and none of them blocks the event loop. Flushed
 * every 100 ms and on exit (`process.exit` from a signal handler included).
 */
export function stdoutLog(): LogWriter {
  if (out === null) {
    const writer = new LogWriter(stdoutSink(1), { dropNotice: (n) => notice(n) });
    process.once('exit', () => writer.close());
    out = writer;
  }
  return out;
}

/** How the "lines dropped" notice is written (the JSON console wants a JSON line). */
export function setDropNotice(format: (dropped: number) => string): void {
  notice = format;
}

/** One stdout line through the shared writer. */
export function consoleLine(text: string): void {
  stdoutLog().line(text);
}
