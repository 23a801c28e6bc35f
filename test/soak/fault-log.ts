// What actually happened during a soak, as the invariants need it: when each planned fault took
// effect and when it was undone (the component back and answering, the cable in), and every
// change of what a node can reach (cables, devices, handlers, debugEcho availability). From
// these, pure queries: can node n reach device d at time t and since when, and until when is a
// node's pipeline (agent, kubelet, its link to the API server, the API server and etcd, the
// controller) impaired, i.e. from when may a time-bounded promise be asked of it again.
import type { PlannedFault } from './fault-schedule.ts';
import { type DeviceKey, type NetworkDeviceId, type NodeId, type SegmentId } from './site-plan.ts';

export interface FaultRecord {
  fault: PlannedFault;
  /** When the fault took effect (ms since the epoch). */
  startedAt: number;
  /** When it was undone and the component answers again; undefined while it lasts. */
  healedAt?: number;
  /** What the injector found, e.g. which controller replica held the Lease. */
  notes: string[];
}

export type ReachChange =
  | { at: number; what: 'cable'; node: NodeId; segment: SegmentId; up: boolean }
  | { at: number; what: 'device'; device: NetworkDeviceId; up: boolean }
  | { at: number; what: 'handler'; node: NodeId; up: boolean }
  | { at: number; what: 'echo'; node: NodeId; up: boolean };

/** Faults that keep a node's agent, kubelet or their path to the API server from acting. */
const NODE_IMPAIRMENTS = new Set(['agent-kill', 'api-cut', 'kubelet-restart']);
/** Faults that keep every node (or the controller) from acting. */
const CLUSTER_IMPAIRMENTS = new Set(['apiserver-stop', 'etcd-pause', 'leader-kill', 'config-burst']);
/**
 * The longest an informer waits between two failed lists (lib/reconcile/informer.ts; client-go's
 * reflector and kube-rs's watcher wait as long). Its waits double from 0.5 s, so after failing
 * for d it lists again at most min(this, d) after the API server is back.
 */
export const RELIST_BACKOFF_CAP_MS = 30_000;
/** Faults during which a node's API calls fail, so that its informers back off. */
const API_OUTAGES = new Set(['apiserver-stop', 'etcd-pause', 'api-cut']);

/** When a healed fault stops keeping components from acting: its heal, plus the informers' backoff after an API outage. */
export function settledAt(r: FaultRecord): number | undefined {
  if (r.healedAt === undefined) return undefined;
  return r.healedAt + (API_OUTAGES.has(r.fault.kind) ? Math.min(RELIST_BACKOFF_CAP_MS, r.healedAt - r.startedAt) : 0);
}

export class FaultLog {
  readonly records: FaultRecord[] = [];
  readonly reach: ReachChange[] = [];

  constructor(private readonly startedAt: number) {}

  started(fault: PlannedFault, at: number, note?: string): FaultRecord {
    const record: FaultRecord = { fault, startedAt: at, notes: note ? [note] : [] };
    this.records.push(record);
    return record;
  }

  reachChanged(change: ReachChange): void {
    this.reach.push(change);
  }

  /** Whether node can reach the device at time t (every change up to t applied). */
  reachable(device: DeviceKey, node: NodeId, t: number): boolean {
    return this.reachState(device, node, t).reachable;
  }

  /** Reachability at t, and since when it has been so (the log's start if it never changed). */
  reachState(device: DeviceKey, node: NodeId, t: number): { reachable: boolean; since: number } {
    if (!device.nodes.includes(node)) return { reachable: false, since: this.startedAt };
    let reachable = true;
    let since = this.startedAt;
    const cables = new Map<string, boolean>();
    let deviceUp = true;
    let handlerUp = true;
    let echoUp = true;
    for (const c of this.reach) {
      if (c.at > t) break;
      if (c.what === 'cable' && c.node === node) cables.set(c.segment, c.up);
      else if (c.what === 'device' && c.device === device.network?.id) deviceUp = c.up;
      else if (c.what === 'handler' && c.node === node) handlerUp = c.up;
      else if (c.what === 'echo' && c.node === node) echoUp = c.up;
      else continue;
      const now = device.network
        ? deviceUp && cables.get(device.network.segment) !== false
        : handlerUp && echoUp;
      if (now !== reachable) {
        reachable = now;
        since = c.at;
      }
    }
    return { reachable, since };
  }

  /** The nodes that reach the device at t. */
  reachers(device: DeviceKey, t: number): NodeId[] {
    return device.nodes.filter((n) => this.reachable(device, n, t));
  }

  /**
   * Until when the node's pipeline was impaired, as of time t: the latest heal of a fault that
   * hits it (its agent, kubelet or uplink, or the API server, etcd, the controller leader, a
   * Configuration burst); Infinity while one lasts; the log's start when none ever did. A fault
   * that cut the node's API calls (its uplink, the API server, etcd) lasts past its heal by the
   * informers' backoff, min(RELIST_BACKOFF_CAP_MS, how long it lasted): only then does the node
   * list again (restated from "once faults stop": found by the 60-minute soak, seed 2026, where
   * an 89 s uplink cut left n2's agent 24 s from listing again).
   */
  impairedUntil(node: NodeId | undefined, t: number): number {
    let until = this.startedAt;
    for (const r of this.records) {
      if (r.startedAt > t) continue;
      const hits = CLUSTER_IMPAIRMENTS.has(r.fault.kind) || (NODE_IMPAIRMENTS.has(r.fault.kind) && r.fault.node === node);
      if (!hits) continue;
      const healed = r.healedAt !== undefined && r.healedAt <= t ? (settledAt(r) ?? Infinity) : Infinity;
      until = Math.max(until, healed);
    }
    return until;
  }

  /** Whether any fault at all is in effect at t. */
  anyActive(t: number): boolean {
    return this.records.some((r) => r.startedAt <= t && (r.healedAt === undefined || r.healedAt > t));
  }
}
