import { isPromise, type OwnerId, type Store } from '../index/store.js';

/**
 * Drops everything one connection registered, once. An ADD an asynchronous store is still
 * writing would land after the drop and outlive its peer (§1), so the drop waits for it.
 * Reports how many records went (0 if the store failed, after reporting the failure).
 */
export function dropOwnerRecords(
  store: Store,
  owner: OwnerId,
  inflight: Promise<void> | null,
  done: (recordsDropped: number) => void,
  onError: (err: Error) => void,
): void {
  const dropNow = () => {
    const dropped = store.dropOwner(owner);
    if (!isPromise(dropped)) return done(dropped);
    dropped.then(done, (err: unknown) => {
      onError(err instanceof Error ? err : new Error(String(err)));
      done(0);
    });
  };
  if (inflight === null) dropNow();
  else void inflight.then(dropNow, dropNow);
}
