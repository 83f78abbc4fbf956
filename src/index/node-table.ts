// A host's nodes by ProcessGuid, in insertion order (the per-host cap evicts the oldest first).
// The map is keyed by the packed GUID (guid-key.ts); callers that hold a GUID as events write it
// use get/has, the index itself works with keys.

import { guidKey } from './guid-key.js';
import type { ProcNode } from './process-node.js';

export class NodeTable {
  private readonly byKey = new Map<string, ProcNode>();

  get size(): number {
    return this.byKey.size;
  }

  /** The node of a ProcessGuid as events write it. */
  get(guid: string): ProcNode | undefined {
    return this.byKey.get(guidKey(guid));
  }

  has(guid: string): boolean {
    return this.byKey.has(guidKey(guid));
  }

  byKeyOf(key: string): ProcNode | undefined {
    return this.byKey.get(key);
  }

  add(n: ProcNode): void {
    this.byKey.set(n.key, n);
  }

  /** Moves `n` to the end of the insertion order. */
  moveLast(n: ProcNode): void {
    this.byKey.delete(n.key);
    this.byKey.set(n.key, n);
  }

  /** Whether `n` itself (not another node of its GUID) is in the table. */
  holds(n: ProcNode): boolean {
    return this.byKey.get(n.key) === n;
  }

  delete(n: ProcNode): void {
    this.byKey.delete(n.key);
  }

  /** The node added first. */
  first(): ProcNode | undefined {
    const it = this.byKey.values().next();
    return it.done === true ? undefined : it.value;
  }

  values(): IterableIterator<ProcNode> {
    return this.byKey.values();
  }
}
