import { isPromise, type MaybePromise } from '../index/store.js';

/** Continues synchronously when the value is already there, so the memory store never waits a tick. */
export function andThen<T, U>(value: MaybePromise<T>, f: (v: T) => MaybePromise<U>): MaybePromise<U> {
  return isPromise(value) ? value.then(f) : f(value);
}
