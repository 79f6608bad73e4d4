import {
  RecordChunkEncoder,
  encodeIndexResponseIn,
  encodeRecordIn,
  encodeResponseStartIn,
  ProtocolError,
  responseEndIn,
  type AnswerStyle,
  type Request,
  type RfcRecord,
  type StatusCode,
} from '../protocol/index.js';
import type { MaybePromise, OwnerId, Store } from '../index/store.js';
import { andThen } from './maybe.js';
import { ChunkPool } from './chunk-pool.js';

/** Where a handler writes its answer; `write` returns false when the peer's output is backed up. */
export interface ResponseSink {
  write(text: string): boolean;
  /** Writes bytes as they are; `written` runs once the socket is done with them (or gone). */
  writeBytes(bytes: Uint8Array, written: () => void): boolean;
  /** Resolves when the output has drained, or at once if the connection is gone. */
  drained(): Promise<void>;
  /** Resolves on a later turn of the event loop, after the other peers had theirs. */
  nextTurn(): Promise<void>;
  readonly closed: boolean;
  /** How the answer is laid out: the spec's bytes, or the dialect its client reads (DIALECTS.md). */
  readonly style: AnswerStyle;
}

export interface Outcome {
  status: StatusCode;
  records: number;
  errorCode?: ProtocolError['code'];
}

export interface HandlerContext {
  store: Store;
  owner: OwnerId;
  sink: ResponseSink;
  maxRecordsPerPeer: number;
}

/** Records per LIST write: big enough to amortise a write, small enough to keep memory flat. */
const LIST_BATCH = 512;
/**
 * Batches written before a LIST lets the other peers have a turn. A peer reading fast never
 * backs up its output, so without this a LIST of a million records would hold the event loop
 * for a quarter of a second.
 */
const LIST_BATCHES_PER_TURN = 8;
/** The same fairness for the byte-level LIST: records per turn. */
const LIST_RECORDS_PER_TURN = LIST_BATCH * LIST_BATCHES_PER_TURN;
/** 64 KiB chunks, as many syscalls as a bare socket blasting 64 KiB buffers; 16 kept (1 MiB). */
const LIST_CHUNKS = new ChunkPool(64 * 1024, 16);

export function handleAdd(ctx: HandlerContext, req: Request): MaybePromise<Outcome> {
  const record: RfcRecord = { rfc: req.rfc!, title: req.title ?? '', host: req.host!, port: req.port! };
  const store = () =>
    andThen(ctx.store.add(ctx.owner, record), (stored): Outcome => {
      ctx.sink.write(encodeIndexResponseIn(ctx.sink.style, 200, [stored]));
      return { status: 200, records: 1 };
    });
  if (ctx.maxRecordsPerPeer <= 0) return store();
  return andThen(ctx.store.ownerRecordCount(ctx.owner), (held) => {
    if (held < ctx.maxRecordsPerPeer) return store();
    return writeError(ctx.sink, new ProtocolError('RECORD_LIMIT', `a peer may hold at most ${ctx.maxRecordsPerPeer} records`));
  });
}

export function handleLookup(ctx: HandlerContext, req: Request): MaybePromise<Outcome> {
  return andThen(ctx.store.lookup(req.rfc!), (records): Outcome => {
    const status: StatusCode = records.length === 0 ? 404 : 200;
    ctx.sink.write(encodeIndexResponseIn(ctx.sink.style, status, records));
    return { status, records: records.length };
  });
}

/** Streams the index batch by batch, waiting for the peer to read whenever its output backs up. */
export function handleList(ctx: HandlerContext): MaybePromise<Outcome> {
  const { sink } = ctx;
  const source = ctx.store.list(LIST_BATCH);
  const done = (n: number): Outcome => {
    sink.write(responseEndIn(sink.style));
    return { status: 200, records: n };
  };
  if (Symbol.asyncIterator in source) return streamAsync(source, sink).then(done);
  if (ctx.store.listInto !== undefined && sink.style.recordPrefix && sink.style.eol === '\r\n') {
    return streamBytes(ctx.store.listInto.bind(ctx.store), sink, done);
  }
  sink.write(encodeResponseStartIn(sink.style, 200));
  const it = (source as Iterable<RfcRecord[]>)[Symbol.iterator]();
  const pump = (n: number): MaybePromise<Outcome> => {
    for (let batches = 1; ; batches++) {
      if (sink.closed) return { status: 200, records: n };
      const step = it.next();
      if (step.done) return done(n);
      n += step.value.length;
      if (!sink.write(encodeBatch(sink.style, step.value))) return sink.drained().then(() => pump(n));
      if (batches >= LIST_BATCHES_PER_TURN) return sink.nextTurn().then(() => pump(n));
    }
  };
  return pump(0);
}

/**
 * The fast LIST (the memory store, record lines of the spec's shape): the store writes each
 * record straight into 64 KiB chunks, each written as it fills; 4,096 records per turn, and
 * a wait for the peer to read whenever its output backs up.
 */
function streamBytes(listInto: NonNullable<Store['listInto']>, sink: ResponseSink, done: (n: number) => Outcome): MaybePromise<Outcome> {
  sink.write(encodeResponseStartIn(sink.style, 200));
  const encoder = new RecordChunkEncoder(LIST_CHUNKS, (chunk, length, pooled) =>
    sink.writeBytes(length === chunk.length ? chunk : chunk.subarray(0, length), pooled ? () => LIST_CHUNKS.give(chunk) : noop),
  );
  const cursor = listInto(encoder);
  const pump = (): MaybePromise<Outcome> => {
    if (sink.closed) {
      cursor.return?.();
      return { status: 200, records: encoder.records };
    }
    encoder.startTurn(LIST_RECORDS_PER_TURN);
    if (cursor.next().done === true) {
      encoder.flush();
      return done(encoder.records);
    }
    return (encoder.blocked ? sink.drained() : sink.nextTurn()).then(pump);
  };
  return pump();
}

function noop(): void {}

/**
 * The first batch is fetched before the status line is written: a store that can't be
 * reached (Redis down) then rejects in time for a clean 400 instead of a 200 cut short.
 */
async function streamAsync(source: AsyncIterable<RfcRecord[]>, sink: ResponseSink): Promise<number> {
  const it = source[Symbol.asyncIterator]();
  let step = await it.next();
  sink.write(encodeResponseStartIn(sink.style, 200));
  let n = 0;
  while (!step.done) {
    if (sink.closed) {
      await it.return?.();
      break;
    }
    n += step.value.length;
    // Each batch from an asynchronous store already waits a turn for its data.
    if (!sink.write(encodeBatch(sink.style, step.value))) await sink.drained();
    step = await it.next();
  }
  return n;
}

function encodeBatch(style: AnswerStyle, batch: readonly RfcRecord[]): string {
  let out = '';
  for (const r of batch) out += encodeRecordIn(style, r);
  return out;
}

export function writeError(sink: ResponseSink, error: ProtocolError): Outcome {
  sink.write(encodeIndexResponseIn(sink.style, error.status));
  return { status: error.status, records: 0, errorCode: error.code };
}
