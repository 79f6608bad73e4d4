import type { OwnerId } from './store.js';
import type { PurgedInstance } from './instance-heartbeat.js';

/** What the store tells its observer (the server's console); it never logs by itself. */
export interface RedisStoreEvents {
  /** Redis became unreachable: requests are answered 400 until it is back. */
  unavailable: [Error];
  /**
   * This instance's records are back in Redis after Redis was unreachable, or after our
   * heartbeat had expired (we were stalled or cut off, and survivors may have purged us).
   */
  recovered: [{ reasserted: number; reason: 'reconnected' | 'heartbeat-expired' }];
  /** A peer that left while Redis was unreachable: its records are dropped now. */
  lateDrop: [{ owner: OwnerId; records: number }];
  purged: [PurgedInstance];
  /** Something failed that the store recovers from by itself (a lost beat, a LIST cut short). */
  warning: [Error];
}
