/**
 * Open connections per remote address, for the per-address connection limits of both the
 * index server and a peer's upload server. Socket-free: callers pass the address string.
 */
export class AddressTally {
  private readonly counts = new Map<string, number>();

  count(address: string): number {
    return this.counts.get(address) ?? 0;
  }

  add(address: string): void {
    this.counts.set(address, this.count(address) + 1);
  }

  remove(address: string): void {
    const n = this.count(address) - 1;
    if (n <= 0) this.counts.delete(address);
    else this.counts.set(address, n);
  }
}
