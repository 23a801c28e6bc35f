// Fairness between peers within a discovery round: work is taken round-robin by peer (the
// address that answered, the discovery URL that listed it), so a peer that names hundreds of
// endpoints gets one turn per turn of every other peer instead of the whole queue. A healthy
// device therefore waits for at most one request timeout per hostile peer's first item, not
// for all of their items. Items a peer contributes beyond `perPeer` are dropped and counted.
export interface FairOrder<T> {
  ordered: T[];
  /** Items dropped per peer because that peer passed `perPeer`. */
  dropped: Map<string, number>;
}

export function fairOrder<T>(items: readonly T[], peerOf: (item: T) => string, perPeer = Number.POSITIVE_INFINITY): FairOrder<T> {
  const queues = new Map<string, T[]>();
  const dropped = new Map<string, number>();
  for (const item of items) {
    const peer = peerOf(item);
    let queue = queues.get(peer);
    if (!queue) {
      queue = [];
      queues.set(peer, queue);
    }
    if (queue.length < perPeer) queue.push(item);
    else dropped.set(peer, (dropped.get(peer) ?? 0) + 1);
  }
  const ordered: T[] = [];
  const lists = [...queues.values()];
  for (let turn = 0; ordered.length < items.length; turn++) {
    let took = false;
    for (const list of lists) {
      const item = list[turn];
      if (item !== undefined) {
        ordered.push(item);
        took = true;
      }
    }
    if (!took) break;
  }
  return { ordered, dropped };
}
