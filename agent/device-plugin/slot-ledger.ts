// This node's slot ledger: the Instances it serves, the deviceUsage the API server last showed
// for them, and the slots this node holds, which are authoritative here. Claims are decided
// locally (one at a time, so two Allocates never take the same slot) and then written with
// server-side apply; the API server's 409 is what stops two nodes taking the same slot. When
// the API server cannot be reached, claims and frees are kept locally and the writes are
// replayed once it answers again (edge autonomy). All I/O is injected.
import { heldBy, parseHolder } from './slot-usage.ts';
import type { LedgerInstance } from './configuration-plugin-devices.ts';

export interface LedgerInstanceRecord {
  namespace: string;
  name: string;
  configurationName: string;
  capacity: number;
  brokerProperties: Record<string, string>;
  /** Whether Instance.spec.nodes lists this node (only then does it get a plugin). */
  listsNode: boolean;
  /** deviceUsage as the API server last showed it. */
  remoteUsage: Record<string, string>;
}

export type WriteOutcome = 'written' | 'conflict' | 'gone' | 'offline';

/** What the ledger persists in the node-local checkpoint. */
export interface LedgerState {
  instances: LedgerInstanceRecord[];
  mine: Record<string, Record<string, string>>;
  pending: string[];
}

/** This node's slots of one Instance: slot -> holder value. Replaced, never edited. */
export type Slots = Readonly<Record<string, string>>;

/** The ledger as the checkpoint writes it, read in place rather than copied (a claim saves it). */
export interface LedgerView {
  instances: Iterable<[string, LedgerInstanceRecord]>;
  mine: Iterable<[string, Slots]>;
  pending: Iterable<string>;
}

export interface SlotLedgerOptions {
  node: string;
  /** SSA of this node's slots of one Instance (the whole map: keys left out are freed). */
  write: (namespace: string, instance: string, usage: Record<string, string>) => Promise<WriteOutcome>;
  /** The usage of an Instance changed locally or remotely: plugins must send a new snapshot. */
  onChange: (instance: string) => void;
  /** The set of Instances (or which of them list this node, under which Configuration) may have
   * changed: only then can the set of plugins change. */
  onShapeChange?: () => void;
  /** The state changed: save the checkpoint. Awaited before a claim is confirmed. */
  persist: () => Promise<void>;
  onLinkChange?: (online: boolean) => void;
  /** A claim made offline turned out to be held by another node when the link came back. */
  onLostClaim?: (instance: string, slot: string, holder: string) => void;
}

export class SlotTaken extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SlotTaken';
  }
}

export type ClaimResult = 'claimed' | 'repeated' | 'offline';

export class SlotLedger {
  private readonly instances = new Map<string, LedgerInstanceRecord>();
  /** This node's slots per Instance. Each map is replaced, never edited, so the checkpoint can
   * reuse the JSON of the ones a claim did not touch. */
  private readonly mine = new Map<string, Slots>();
  /** usage() per Instance, until its record or this node's slots change: every claim rebuilds
   * the Configuration-level snapshot, which reads the usage of all of the Instances. */
  private readonly usageCache = new Map<string, Slots>();
  private readonly pending = new Set<string>();
  private lock: Promise<unknown> = Promise.resolve();
  private linkUp = true;
  /** Claims so far (repeated ones too), and the count at each slot's latest claim. */
  private claims = 0;
  private readonly lastClaim = new Map<string, number>();
  /** Instances written since the API server's view of them last arrived: that view may not show the write yet. */
  private readonly unechoed = new Set<string>();

  constructor(private readonly o: SlotLedgerOptions) {}

  get online(): boolean {
    return this.linkUp;
  }

  get pendingWrites(): number {
    return this.pending.size;
  }

  restore(state: LedgerState): void {
    this.usageCache.clear();
    for (const r of state.instances) this.instances.set(r.name, r);
    for (const [k, v] of Object.entries(state.mine)) this.mine.set(k, v);
    for (const p of state.pending) this.pending.add(p);
    this.o.onShapeChange?.();
  }

  state(): LedgerState {
    return {
      instances: [...this.instances.values()],
      mine: Object.fromEntries(this.mine),
      pending: [...this.pending],
    };
  }

  view(): LedgerView {
    return { instances: this.instances, mine: this.mine, pending: this.pending };
  }

  get(instance: string): LedgerInstanceRecord | undefined {
    return this.instances.get(instance);
  }

  list(): LedgerInstanceRecord[] {
    return [...this.instances.values()];
  }

  /**
   * The API server's view of an Instance arrived (watch event or apply response). Returns
   * whether anything this node serves changed: the echo of this node's own claim (the watch
   * event after every slot write) changes nothing, and then no plugin is disturbed.
   */
  upsert(record: LedgerInstanceRecord): boolean {
    const before = this.instances.get(record.name);
    const usageBefore = before ? this.usage(record.name) : undefined;
    const reshaped = !before || before.listsNode !== record.listsNode || before.configurationName !== record.configurationName;
    this.instances.set(record.name, record);
    this.usageCache.delete(record.name);
    this.unechoed.delete(record.name);
    // First sight with nothing local (e.g. restarted without a checkpoint): the slots the API
    // server says this node holds are ours until the kubelet shows them unused.
    if (!before && !this.mine.has(record.name)) {
      const adopted = Object.entries(record.remoteUsage).filter(([, v]) => heldBy(parseHolder(v), this.o.node));
      if (adopted.length > 0) this.setMine(record.name, Object.fromEntries(adopted));
    }
    const changed = !before || !sameServedView(before, record) || !sameEntries(usageBefore ?? {}, this.usage(record.name));
    if (reshaped) this.o.onShapeChange?.();
    if (changed) this.o.onChange(record.name);
    return changed;
  }

  remove(instance: string): void {
    for (const key of this.lastClaim.keys()) if (key.startsWith(`${instance}/`)) this.lastClaim.delete(key);
    this.instances.delete(instance);
    this.unechoed.delete(instance);
    this.mine.delete(instance);
    this.usageCache.delete(instance);
    this.pending.delete(instance);
    this.o.onShapeChange?.();
    this.o.onChange(instance);
  }

  /** deviceUsage as this node sees it: the API server's, with this node's slots from the ledger. */
  usage(instance: string): Slots {
    const cached = this.usageCache.get(instance);
    if (cached) return cached;
    const r = this.instances.get(instance);
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(r?.remoteUsage ?? {})) if (v !== '' && !heldBy(parseHolder(v), this.o.node)) out[k] = v;
    Object.assign(out, this.mine.get(instance));
    if (r) this.usageCache.set(instance, out);
    return out;
  }

  /** Replaces this node's slots of an Instance (an empty map is kept: it frees on replay). */
  private setMine(instance: string, slots: Slots): void {
    this.mine.set(instance, slots);
    this.usageCache.delete(instance);
  }

  ledgerInstances(configuration: string): LedgerInstance[] {
    return this.list()
      .filter((r) => r.configurationName === configuration && r.listsNode)
      .map((r) => ({ name: r.name, capacity: r.capacity, deviceUsage: this.usage(r.name) }));
  }

  held(): Array<{ instance: string; slot: string; value: string }> {
    return [...this.mine].flatMap(([instance, slots]) => Object.entries(slots).map(([slot, value]) => ({ instance, slot, value })));
  }

  /** How many claims (repeated ones included) have been made: a reclaim pass notes it before asking the kubelet. */
  get claimCount(): number {
    return this.claims;
  }

  claim(instance: string, slot: string, value: string): Promise<ClaimResult> {
    return this.exclusive(async () => {
      this.lastClaim.set(`${instance}/${slot}`, ++this.claims);
      const r = this.instances.get(instance);
      if (!r) throw new SlotTaken(`Instance ${instance} is not known on node ${this.o.node}`);
      const current = this.usage(instance)[slot];
      // Held here already. Written again only when the API server's view, up to date with our
      // writes, shows the slot not held by us: the controller frees the slots of a node it took
      // for lost (its uplink was cut), and a pod given the slot now must not run on a slot the
      // cluster thinks free; if another node took it meanwhile, the write's 409 refuses the pod.
      if (current === value && (!this.linkUp || this.pending.has(instance) || this.unechoed.has(instance) || r.remoteUsage[slot] === value)) return 'repeated';
      if (current !== undefined && current !== '' && current !== value) throw new SlotTaken(`slot ${slot} of Instance ${instance} is held by "${current}"`);
      const before = this.mine.get(instance) ?? {};
      const slots = { ...before, [slot]: value };
      this.setMine(instance, slots);
      this.o.onChange(instance);
      const outcome = this.linkUp ? await this.o.write(r.namespace, instance, slots) : 'offline';
      if (outcome === 'written') this.unechoed.add(instance);
      if (outcome === 'conflict' || outcome === 'gone') {
        this.setMine(instance, without(this.mine.get(instance) ?? {}, slot));
        this.o.onChange(instance);
        throw new SlotTaken(
          outcome === 'conflict'
            ? `slot ${slot} of Instance ${instance} was claimed by another node first (the API server refused the claim)`
            : `Instance ${instance} no longer exists`,
        );
      }
      if (outcome === 'offline') this.markPending(instance);
      await this.o.persist();
      return outcome === 'offline' ? 'offline' : 'claimed';
    });
  }

  /**
   * Gives a slot back. With `unlessClaimedAfter` (a claimCount read earlier), a slot claimed
   * since (a pod was just given it, maybe by a repeated claim of a slot this node still held)
   * is kept: the reclaim that decided to free it asked the kubelet before that pod existed.
   * Resolves to whether the slot was freed.
   */
  free(instance: string, slot: string, unlessClaimedAfter?: number): Promise<boolean> {
    return this.exclusive(async () => {
      const held = this.mine.get(instance);
      if (held?.[slot] === undefined) return false;
      if (unlessClaimedAfter !== undefined && (this.lastClaim.get(`${instance}/${slot}`) ?? 0) > unlessClaimedAfter) return false;
      const slots = without(held, slot);
      this.setMine(instance, slots);
      this.o.onChange(instance);
      const r = this.instances.get(instance);
      const outcome = r && this.linkUp ? await this.o.write(r.namespace, instance, slots) : 'offline';
      if (outcome === 'written') this.unechoed.add(instance);
      if (outcome === 'offline' && r) this.markPending(instance);
      await this.o.persist();
      return true;
    });
  }

  /** Replays queued writes; returns true when nothing is left queued. */
  replay(): Promise<boolean> {
    return this.exclusive(async () => {
      for (const instance of [...this.pending]) {
        const r = this.instances.get(instance);
        if (!r) {
          this.pending.delete(instance);
          continue;
        }
        let slots = this.mine.get(instance) ?? {};
        // A claim made offline that another node took meanwhile cannot be written: the other
        // node's holds; report it rather than fight over the field.
        for (const [slot, value] of Object.entries(slots)) {
          const remote = r.remoteUsage[slot];
          if (remote !== undefined && remote !== '' && remote !== value && !heldBy(parseHolder(remote), this.o.node)) {
            slots = without(slots, slot);
            this.setMine(instance, slots);
            this.o.onLostClaim?.(instance, slot, remote);
            this.o.onChange(instance);
          }
        }
        const outcome = await this.o.write(r.namespace, instance, slots);
        if (outcome === 'written') this.unechoed.add(instance);
        if (outcome === 'offline') {
          this.setLink(false);
          return false;
        }
        this.pending.delete(instance);
      }
      this.setLink(true);
      await this.o.persist();
      return true;
    });
  }

  private markPending(instance: string): void {
    this.pending.add(instance);
    this.setLink(false);
  }

  private setLink(up: boolean): void {
    if (this.linkUp === up) return;
    this.linkUp = up;
    this.o.onLinkChange?.(up);
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }
}

function without(slots: Slots, slot: string): Slots {
  const rest = { ...slots };
  delete rest[slot];
  return rest;
}

function sameEntries(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

/** Everything of a record but remoteUsage (whose effect is judged through usage()). */
function sameServedView(a: LedgerInstanceRecord, b: LedgerInstanceRecord): boolean {
  return (
    a.namespace === b.namespace &&
    a.configurationName === b.configurationName &&
    a.capacity === b.capacity &&
    a.listsNode === b.listsNode &&
    sameEntries(a.brokerProperties, b.brokerProperties)
  );
}
