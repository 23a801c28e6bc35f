// How the slots of the Instances this node serves stand, per Configuration, for the slot-use
// gauge: held by this node, held by another node (a shared device), or free. Pure: computed
// from the slot ledger at scrape time, so the figure cannot drift from what the ledger holds.
import { heldBy, parseHolder, slotIds } from '../device-plugin/slot-usage.ts';

export type SlotState = 'held' | 'held_elsewhere' | 'free';

export interface ServedInstance {
  name: string;
  configurationName: string;
  capacity: number;
}

export function countSlots(
  instances: Iterable<ServedInstance>,
  usage: (instance: string) => Readonly<Record<string, string>>,
  node: string,
): Array<{ configuration: string; state: SlotState; slots: number }> {
  const counts = new Map<string, Record<SlotState, number>>();
  for (const i of instances) {
    const c = counts.get(i.configurationName) ?? { held: 0, held_elsewhere: 0, free: 0 };
    const slots = usage(i.name);
    for (const slot of slotIds(i.name, i.capacity)) {
      const holder = parseHolder(slots[slot]);
      if (holder.kind === 'free') c.free++;
      else if (heldBy(holder, node)) c.held++;
      else c.held_elsewhere++;
    }
    counts.set(i.configurationName, c);
  }
  return [...counts].flatMap(([configuration, c]) =>
    (Object.keys(c) as SlotState[]).map((state) => ({ configuration, state, slots: c[state] })),
  );
}
