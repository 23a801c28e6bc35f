// Whether a watched change can change what this node's reconcile of a Configuration decides.
// The reconcile is level-triggered and right whenever it runs; these predicates only spare it
// the wake-ups that cannot change its decision: the echoes of this node's own writes (its
// Instance applies and finalizers, its status entry), every node's slot claims (deviceUsage
// alone), and other nodes joining a shared Instance this node already serves. Re-planning for
// each of those would put a thousand devices' worth of hashing in the way of Allocate.
import type { Configuration, NodeDiscoveryStatus } from '../../lib/crd/configuration.ts';
import type { Instance } from '../../lib/crd/instance.ts';
import { involves, upToDate, type DesiredSpec } from '../instances/plan-instances.ts';
import { sameNodeStatus } from '../status/node-status.ts';

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

const hasFinalizer = (i: Instance | undefined, node: string): boolean => (i?.metadata.finalizers ?? []).includes(node);

/**
 * An Instance changed (`old` is the cached copy before). `desired` is what this node's last
 * plan of its Configuration wanted (undefined: not planned yet, or the Configuration is going):
 * the Instance needs a new plan unless it already is what the plan wants, or is nothing to
 * this node.
 */
export function instanceNeedsPlan(
  type: ChangeType,
  instance: Instance,
  old: Instance | undefined,
  node: string,
  desired: ReadonlyMap<string, DesiredSpec> | undefined,
): boolean {
  if (desired === undefined) return true;
  const want = desired.get(instance.metadata.name ?? '');
  if (type === 'DELETED') return want !== undefined || involves(node, instance);
  if (!want) return involves(node, instance);
  if (!upToDate(node, instance, want)) return true;
  if (hasFinalizer(instance, node)) return false;
  // Up to date but without this node's finalizer: the echo of this node's own apply, whose
  // finalizer write comes next (a failure of that write retries the reconcile anyway); only a
  // finalizer that someone removed needs a plan to put it back.
  return hasFinalizer(old, node);
}

/**
 * A Configuration changed. `written` is the status entry this node last wrote for it. Only
 * its spec (generation), its deletion, its identity, this node's finalizer and this node's
 * status entry matter to this node's reconcile; other nodes' status entries do not.
 */
export function configurationNeedsPlan(
  type: ChangeType,
  current: Configuration,
  old: Configuration | undefined,
  node: string,
  written: NodeDiscoveryStatus | undefined,
): boolean {
  if (type !== 'MODIFIED' || !old) return true;
  const m = current.metadata;
  if (m.generation !== old.metadata.generation || m.uid !== old.metadata.uid) return true;
  if (Boolean(m.deletionTimestamp) !== Boolean(old.metadata.deletionTimestamp)) return true;
  if (!m.deletionTimestamp && !(m.finalizers ?? []).includes(node)) return true;
  const entry = current.status?.nodes?.find((n) => n.node === node);
  const before = old.status?.nodes?.find((n) => n.node === node);
  if (entry === undefined) return before !== undefined; // someone removed this node's entry
  if (before !== undefined && sameNodeStatus(before, entry)) return false; // not a change to it
  return written === undefined || !sameNodeStatus(written, entry);
}
