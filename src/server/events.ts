import type { Method, StatusCode, ProtocolErrorCode, Completion, DialectId } from '../protocol/index.js';

/** What the server tells its observers; the console, metrics and dashboard only listen. */
export interface RequestEvent {
  connectionId: string;
  remote: string;
  method: Method | null;
  rfc: number | null;
  host?: string;
  port?: number;
  status: StatusCode;
  /** Records in the answer (LOOKUP, LIST) or stored (ADD). */
  records: number;
  errorCode?: ProtocolErrorCode;
  completion?: Completion;
  durationMs: number;
  bytesIn: number;
  /** The dialect (DIALECTS.md) the answer was written in: `spec`, or `A`…`I`. */
  dialect: DialectId;
}

export interface ConnectionEvent {
  connectionId: string;
  remote: string;
  at: number;
}

export interface DisconnectEvent extends ConnectionEvent {
  recordsDropped: number;
  reason: 'end' | 'reset' | 'error' | 'shutdown' | 'limit';
  /** Bytes this connection received and sent over its life (metrics). */
  bytesIn: number;
  bytesOut: number;
  host?: string;
  port?: number;
}

export interface RejectEvent {
  remote: string;
  reason: 'max-connections' | 'max-connections-per-address';
}

export interface LimitEvent {
  connectionId: string;
  remote: string;
  reason: 'header-timeout' | 'rate-limit' | 'too-many-errors' | 'binary-input';
}

export interface IndexServerEvents {
  listening: [{ host: string; port: number }];
  connect: [ConnectionEvent];
  disconnect: [DisconnectEvent];
  request: [RequestEvent];
  reject: [RejectEvent];
  limit: [LimitEvent];
  /** An unexpected failure (e.g. a store error); the server goes on. */
  error: [Error];
}
