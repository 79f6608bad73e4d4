import { ProtocolError, type DialectId, type Request } from '../protocol/index.js';
import type { Outcome } from './handlers.js';
import type { RequestEvent } from './events.js';

/** What observers are told about one answered request (or refused one). */
export function toRequestEvent(connectionId: string, remote: string, item: Request | ProtocolError, outcome: Outcome, durationMs: number, dialect: DialectId = 'spec'): RequestEvent {
  const req = item instanceof ProtocolError ? null : item;
  const event: RequestEvent = {
    connectionId,
    remote,
    method: req?.method ?? null,
    rfc: req?.rfc ?? null,
    status: outcome.status,
    records: outcome.records,
    durationMs,
    bytesIn: req?.size ?? 0,
    dialect,
  };
  if (req?.host !== undefined) event.host = req.host;
  if (req?.port !== undefined) event.port = req.port;
  if (req !== null) event.completion = req.completion;
  if (outcome.errorCode !== undefined) event.errorCode = outcome.errorCode;
  return event;
}
